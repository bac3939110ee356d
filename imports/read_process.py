"""Reading a sheet in a forked child process, so that reading and validating use both cores.

An upload's preview spends about half its time reading the sheet's XML and half validating rows
and writing them to the database; both are CPU work under one GIL. Here the rows are read by a
child process forked from the request's process, optionally turned into what the caller needs by a
pure `transform` (the actuals sheet's rows are parsed there: imports/actuals_workbook.py `parse_row`), and
sent back through a pipe in pickled batches, while the parent validates the batches already
received. The pipe bounds memory: the child blocks once it is about a megabyte ahead.

The child runs only the reader (zipfile, expat, regular expressions) and the transform, and leaves
with `os._exit`: it never touches the parent's database connection, logging or any other shared
resource, and it reads the upload through `os.pread` when the upload is a real file, so the file
offset the two processes share never moves. A process with more than one thread is not forked (a
lock another thread holds would stay locked in the child): such a process, a platform without
`fork`, a failed fork and the setting IMPORT_READ_PROCESS=false read in-process with the same code,
which gives the same rows. While the child lives, the parent's existing objects are frozen out of
garbage collection (`gc.freeze`), so that a collection does not write to, and so copy, every page
the two processes share.
"""
from __future__ import annotations

import gc
import io
import logging
import os
import pickle
import signal
import threading
import traceback
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.conf import settings

from imports.xlsx_stream import NOTHING_UNREAD, Package, SheetRows, Unread, XlsxError

try:
    import fcntl
except ImportError:  # not POSIX: can_fork() is False there anyway
    fcntl = None  # type: ignore[assignment]

PIPE_BYTES = 1 << 20  # about 4,000 rows of an actuals sheet: two preview chunks ahead
logger = logging.getLogger("imports")
BATCH_ROWS = 250  # rows per pickled message: big enough to amortise a message, small enough to start early
_PIPE_BUFFER = 1 << 16


class ReaderCrashed(RuntimeError):
    """The reading process failed with an exception that is a bug, not a refusal of the file."""


def can_fork() -> bool:
    """Whether this process may fork a reader now (see the module docstring)."""
    mode = getattr(settings, "IMPORT_READ_PROCESS", "auto")
    if mode not in ("auto", "always") or not hasattr(os, "fork"):
        return False
    # "always" forks beside other threads too: for tests, whose idle live-server thread holds no lock.
    return mode == "always" or threading.active_count() == 1


Transform = Callable[[int, dict[int, Any]], Any]


def sheet_rows(
    package: Package, source: IO[bytes], title: str, *, max_col: int, blank_run: int, transform: Transform | None = None,
    unread_formulas: Unread = NOTHING_UNREAD,
) -> SheetRows:
    """The rows of a sheet as (number, cells), or (number, transform(number, cells)): read, and transformed,
    in a child process when possible, else in this one (the same rows either way). `transform` runs in
    the child, so it must be a pure function of the row."""
    if can_fork() and title in package.sheets and package.sheets[title] in package.archive.NameToInfo:
        try:
            return _ForkedSheet(source, title, max_col, blank_run, transform, unread_formulas).sheet()
        except OSError:  # no process or pipe to be had (a limit reached): read here
            logger.warning("sheet reader process could not start; reading in-process", exc_info=True)
    # an unknown sheet raises XlsxError here
    sheet = package.rows(title, max_col=max_col, blank_run=blank_run, unread_formulas=unread_formulas)
    if transform is not None:
        sheet.rows = ((number, transform(number, cells)) for number, cells in sheet.rows)
    return sheet


class _PReadFile(io.RawIOBase):
    """A read-only view of an open file through os.pread: never moves the offset shared with the parent."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd
        self.position = 0
        self.size = os.fstat(fd).st_size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer) -> int:
        data = os.pread(self.fd, len(buffer), self.position)
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


def _child_source(source: IO[bytes]) -> IO[bytes]:
    try:
        fd = source.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return source  # in memory: the child has its own copy of it and of its position
    return io.BufferedReader(_PReadFile(fd), buffer_size=_PIPE_BUFFER)


def _widen(fd: int) -> None:
    """A pipe of PIPE_BYTES instead of 64 KB: the child keeps reading while the parent validates a chunk."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # type: ignore[union-attr]
    except (AttributeError, OSError):  # not Linux, or above /proc/sys/fs/pipe-max-size: the default pipe works
        pass


class _ForkedSheet:
    def __init__(
        self, source: IO[bytes], title: str, max_col: int, blank_run: int, transform: Transform | None, unread: Unread,
    ) -> None:
        self.merged: list[str] = []
        self.done = False
        read_fd, write_fd = os.pipe()
        # Copy-on-write: a collection walking the parent's objects would write to (and so copy) nearly every
        # page the two processes share. The objects of now are set aside from collections until the child
        # is gone, and the child, which lives a second and makes few cycles, does not collect at all.
        gc.freeze()
        try:
            self.pid = os.fork()
        except OSError:
            gc.unfreeze()
            os.close(read_fd)
            os.close(write_fd)
            raise
        if self.pid == 0:  # the child: read, send, leave
            gc.disable()
            os.close(read_fd)
            _child(_child_source(source), title, max_col, blank_run, transform, unread, write_fd)
        os.close(write_fd)
        _widen(read_fd)
        self.pipe = os.fdopen(read_fd, "rb", buffering=_PIPE_BUFFER)

    def sheet(self) -> SheetRows:
        return SheetRows(rows=self._rows(), merged=self.merged, close=self._close, abort=self._abort)

    def _rows(self) -> Iterator[tuple[int, dict[int, Any]]]:
        try:
            while not self.done:
                yield from self._message()
        finally:
            if not self.done:  # the caller stopped early (an error, or too many rows): stop the child
                self._stop()

    def _message(self) -> list[tuple[int, dict[int, Any]]]:
        try:
            kind, payload = pickle.load(self.pipe)
        except (EOFError, pickle.UnpicklingError, OSError) as exc:
            self._stop()
            raise XlsxError("시트를 읽는 중에 읽기 과정이 끝났습니다") from exc
        if kind == "rows":
            return payload
        self._finish()
        if kind == "end":
            rows, merged = payload
            self.merged.extend(merged)
            return rows
        if kind == "crash":
            raise ReaderCrashed(f"the sheet reader failed in its process:\n{payload}")
        message, unsafe, cell = payload
        raise XlsxError(message, unsafe=unsafe, cell=cell)

    def _close(self) -> None:
        """The rest of the sheet is read for merged ranges only; rows not yet taken are dropped."""
        while not self.done:
            self._message()

    def _abort(self) -> None:
        if not self.done:
            self._stop()

    def _finish(self) -> None:
        self.done = True
        self.pipe.close()
        os.waitpid(self.pid, 0)
        gc.unfreeze()

    def _stop(self) -> None:
        self.done = True
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.pipe.close()
        os.waitpid(self.pid, 0)
        gc.unfreeze()


def _child(
    source: IO[bytes], title: str, max_col: int, blank_run: int, transform: Transform | None, unread: Unread, write_fd: int,
) -> None:
    """Runs in the child only and never returns."""
    code = 0
    try:
        out = os.fdopen(write_fd, "wb", buffering=_PIPE_BUFFER)
        try:
            with zipfile.ZipFile(source) as archive:
                sheet = Package(archive).rows(title, max_col=max_col, blank_run=blank_run, unread_formulas=unread)
                batch: list[tuple[int, dict[int, Any]]] = []
                for number, cells in sheet:
                    batch.append((number, cells if transform is None else transform(number, cells)))
                    if len(batch) == BATCH_ROWS:
                        pickle.dump(("rows", batch), out, protocol=pickle.HIGHEST_PROTOCOL)
                        batch = []
                sheet.close()
                message: tuple[str, Any] = ("end", (batch, sheet.merged))
        except XlsxError as exc:
            message = ("error", (str(exc), exc.unsafe, exc.cell))
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
            message = ("error", (f"{type(exc).__name__}: {exc}", False, ""))
        except Exception:  # noqa: BLE001 - a bug, not the file's fault: the parent raises it with this traceback
            message = ("crash", traceback.format_exc())
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
    except BrokenPipeError:  # the parent stopped reading
        code = 0
    except BaseException:  # noqa: BLE001 - nothing may escape the child: the parent sees a short stream
        code = 1
    finally:
        os._exit(code)
