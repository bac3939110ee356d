"""Line cursor over the document, with the expectations every section parser shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from core.korean import with_josa
from core.numbers import NumberError, parse_decimal, parse_int, quoted
from imports.cells import normalize_label

from .types import PlanDocumentError

T = TypeVar("T")


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, as an editor shows it
    text: str

    @property
    def cells(self) -> list[str]:
        return [cell.strip() for cell in self.text.split("\t")]

    @property
    def is_blank(self) -> bool:
        return not self.text.strip()

    def cell(self, index: int) -> str:
        cells = self.cells
        return cells[index] if index < len(cells) else ""

    def key(self, index: int = 0) -> str:
        return normalize_label(self.cell(index))


class Cursor:
    """Reads the document top to bottom; every error names the line where it stands."""

    def __init__(self, text: str) -> None:
        # The export sometimes carries a BOM and no-break spaces; neither has meaning.
        cleaned = text.removeprefix("\ufeff").replace("\xa0", " ")
        self._lines = [Line(number, raw) for number, raw in enumerate(cleaned.splitlines(), start=1)]
        self._position = 0

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def error(self, message: str, line: Line | int | None) -> PlanDocumentError:
        number = line.number if isinstance(line, Line) else line
        return PlanDocumentError(message, line=number)

    def end_error(self, expected: str) -> PlanDocumentError:
        # Point at the last line: that is where the file stops short.
        return PlanDocumentError(
            f"문서가 끝났지만 {with_josa(expected, '이/가')} 와야 합니다 (파일이 중간에 잘렸을 수 있습니다)",
            line=max(self.line_count, 1),
        )

    def peek_raw(self) -> Line | None:
        """The next line, blank or not; None at the end of the file."""
        return self._lines[self._position] if self._position < len(self._lines) else None

    def skip_blank(self) -> None:
        while (line := self.peek_raw()) is not None and line.is_blank:
            self._position += 1

    def peek(self) -> Line | None:
        """The next non-blank line (blank lines are consumed)."""
        self.skip_blank()
        return self.peek_raw()

    def take(self, expected: str) -> Line:
        """The next non-blank line, or an error saying what was expected there."""
        line = self.peek()
        if line is None:
            raise self.end_error(expected)
        self._position += 1
        return line

    def take_raw(self) -> Line:
        line = self.peek_raw()
        assert line is not None
        self._position += 1
        return line

    def take_block(self) -> list[Line]:
        """Consecutive non-blank lines from here: a table, a list or a paragraph."""
        block: list[Line] = []
        while (line := self.peek_raw()) is not None and not line.is_blank:
            block.append(line)
            self._position += 1
        return block

    def expect_heading(self, heading: str) -> Line:
        """Consume a section heading such as '3. 예산현황' (spacing ignored)."""
        line = self.take(f"'{heading}'")
        if line.key() != normalize_label(heading) or len([c for c in line.cells if c]) != 1:
            raise self.error(f"{with_josa(quoted(heading), '이/가')} 와야 할 자리에 {with_josa(shown(line), '이/가')} 있습니다", line)
        return line

    def skip_unit_note(self) -> None:
        """'(단위 : 명)' notes carry no data; they are optional."""
        line = self.peek()
        if line is not None and line.key().startswith("(단위"):
            self._position += 1

    def expect_field(self, label: str) -> tuple[Line, str]:
        """A 'label⇥value' line such as '[소관부서]⇥대외협력과'."""
        line = self.take(f"'{label}'")
        if line.key() != normalize_label(label) or not line.cell(1):
            raise self.error(f"'{label}⇥값' 행이 와야 할 자리에 {with_josa(shown(line), '이/가')} 있습니다", line)
        return line, line.cell(1)


def shown(line: Line, limit: int = 60) -> str:
    """A line quoted for an error message: tabs made visible, long lines cut."""
    text = " ⇥ ".join(cell for cell in line.cells if cell) or line.text.strip()
    return f"'{text if len(text) <= limit else text[: limit - 1] + '…'}'"


def cell_value(line: Line, index: int, column: str, parse: Callable[[str], T]) -> T:
    """Parse one cell, turning a cleaning error into a document error on that line."""
    try:
        return parse(line.cell(index))
    except NumberError as exc:
        raise PlanDocumentError(f"{exc} ({column})", line=line.number) from exc


def decimal_cell(line: Line, index: int, column: str, *, required: bool = False) -> Decimal | None:
    value = cell_value(line, index, column, parse_decimal)
    if value is None and required:
        raise PlanDocumentError(f"숫자가 와야 할 자리가 비어 있습니다 ({column})", line=line.number)
    return value


def int_cell(line: Line, index: int, column: str, *, required: bool = False) -> int | None:
    value = cell_value(line, index, column, parse_int)
    if value is None and required:
        raise PlanDocumentError(f"숫자가 와야 할 자리가 비어 있습니다 ({column})", line=line.number)
    return value


def number_text_cell(line: Line, index: int, column: str) -> str:
    """A printed figure kept as text (구성비, 증감률); still checked to be a number."""
    decimal_cell(line, index, column)
    return line.cell(index)
