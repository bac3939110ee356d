"""Pausing the cycle collector around work that allocates many acyclic objects."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector: work such as a recompute or an upload's preview allocates a great many
    acyclic objects (rows, inputs, results), and each automatic collection would walk all of them again
    (a tenth of a recompute's CPU; some 250 collections in a 10,000-row preview). Reference counting
    still frees everything; collection resumes after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
