"""What reconciliation finds: a discrepancy to read, or a placeholder value to list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"[{self.line}행] {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Placeholder:
    department: str
    indicator: str
    year: int
    raw_text: str
    reason: str
    line: int
