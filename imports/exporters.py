"""The actuals workbook: one row per indicator, editable input cells, a live formula, a signed `_meta`.

Written with openpyxl in write-only mode (rows streamed to the zip, never held as cell objects); the rows
come from `imports.actuals_export`.
"""
from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from datetime import datetime
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.models import User
from core.numbers import figure_number_format
from imports import workbook_layout as L
from imports.actuals_export import ActualsExport, ExportRow, ValueRule, actuals_export_stream, export_scope
from imports.actuals_rules import ValidationRanges, help_lines, with_validations
from imports.workbook_writing import FORMULA_TRIGGERS, styles
from kpis.domain import MAX_PLACES
from kpis.period_rules import year_formula


def actuals_workbook_write(export: ActualsExport, out: IO[bytes], *, user: User | None = None,
                           now: datetime | None = None) -> None:
    """Write the workbook of `export` to `out` (a file or BytesIO).

    openpyxl builds a skeleton — styles, the headers, widths, frozen panes, protection, the guide and
    the meta header — with one prototype row whose cells carry each data style. The data and meta
    rows are then streamed as XML into a copy of that skeleton, reusing the style ids openpyxl
    assigned, and every text goes to the shared string table: text never becomes a formula, and
    10,000 rows are written in a fraction of what openpyxl's writer needs (3.3 s measured for its
    write-only mode). Each value cell's data validation follows its row's domain, so the rules are
    gathered while the rows stream and written (by openpyxl) in place of the skeleton's placeholder.
    """
    now = now or timezone.now()
    layout = L.Layout(slot_count=export.slot_count, period_count=export.period_count)
    header = _meta_values(export, layout, user, now)
    skeleton = io.BytesIO()
    _skeleton(export, layout, header).save(skeleton)
    _stream_rows(skeleton, export, layout, header, out)


PROTOTYPE_STYLES = ("kpi_text", "kpi_number", "kpi_input", "kpi_note", "kpi_disabled", "kpi_computed")
# The locked figures (target, last year, the computed value) show as the pages do (`format_figure`): one
# prototype cell per number format an indicator's figures can take, for each of those two styles.
FIGURE_FORMATS = tuple(dict.fromkeys(
    [figure_number_format(Decimal(1)), figure_number_format(Decimal("1.5"))]
    + [figure_number_format(None, places) for places in range(MAX_PLACES + 1)]
))
FIGURE_STYLES = tuple((base, number_format) for base in ("kpi_number", "kpi_computed") for number_format in FIGURE_FORMATS)


def _skeleton(export: ActualsExport, layout: L.Layout, header: dict[str, object]) -> Workbook:
    wb = Workbook()
    for named in styles():
        wb.add_named_style(named)
    ws = wb.active
    ws.title = L.DATA_SHEET
    _data_sheet_frame(ws, export, layout, header)
    for column, name in enumerate(PROTOTYPE_STYLES, start=1):
        ws.cell(L.FIRST_DATA_ROW, column).style = name
    for column, name in enumerate(("kpi_text", "kpi_note"), start=len(PROTOTYPE_STYLES) + 1):
        quoted = ws.cell(L.FIRST_DATA_ROW, column)
        quoted.style = name
        quoted.quotePrefix = True
    for column, (name, number_format) in enumerate(FIGURE_STYLES, start=len(PROTOTYPE_STYLES) + 3):
        figure = ws.cell(L.FIRST_DATA_ROW, column)
        figure.style = name
        figure.number_format = number_format
    _write_help_sheet(wb.create_sheet(L.HELP_SHEET), export.value_rules, export.period_count)
    _meta_header(wb.create_sheet(L.META_SHEET), header)
    return wb


def _data_sheet_frame(ws, export: ActualsExport, layout: L.Layout, header: dict[str, object]) -> None:
    headers = layout.headers(export.year)
    for column in range(1, layout.last_col + 1):
        ws.column_dimensions[get_column_letter(column)].width = layout.width(column)
    ws.freeze_panes = L.cell_ref(L.COL_NAME + 1, L.FIRST_DATA_ROW)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # people may widen a column; nothing else
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False

    who = export.department.name if export.department else "전체 부서"
    local = timezone.localtime(datetime.fromisoformat(str(header["exported_at"])))
    title = ws.cell(L.TITLE_ROW, 1, f"{export.year}년 성과지표 실적 입력 — {who}")
    title.font = Font(name="맑은 고딕", size=14, bold=True)
    info = ws.cell(L.INFO_ROW, 1, f"부서: {who} · 연도: {export.year} · 내려받은 시각: {local:%Y-%m-%d %H:%M} · "
                                  f"양식 버전 {L.TEMPLATE_VERSION}")
    info.data_type = "s"
    hint = ws.cell(L.HINT_ROW, 1, "노란 칸(값, 비고)만 입력하세요. 회색 칸은 잠겨 있습니다. 규칙은 '안내' 시트를 보세요.")
    hint.font = Font(name="맑은 고딕", size=10, color="C00000")
    for column in range(1, layout.last_col + 1):
        ws.cell(L.HEADER_ROW, column, headers[column]).style = "kpi_header"
    ws.row_dimensions[L.HEADER_ROW].height = 30

    # The cells' rules depend on each row's domain: openpyxl writes this one in their place, and it is replaced
    # by them once the rows are written (`imports.actuals_rules.with_validations`).
    ws.add_data_validation(DataValidation(type="custom", formula1="0", sqref="A1"))


def _write_help_sheet(ws, rules: list[ValueRule], period_count: int = 0) -> None:
    ws.column_dimensions["A"].width = 110
    for number, (text, bold) in enumerate(help_lines(rules, period_count), start=1):
        ws.cell(number, 1, text).font = Font(name="맑은 고딕", size=12 if bold else 10, bold=bold)
    ws.protection.sheet = True


def meta_row(row: ExportRow) -> tuple[int, ...]:
    """What `_meta` records of a row: id, row key, plan fingerprint and the actual's version (by period: each
    period's version)."""
    versions = tuple(cells.version for cells in row.periods) if row.periods else (row.version,)
    return (
        row.indicator_id, L.row_key(row.indicator_id, row.name),
        L.plan_fingerprint(target=row.target, weight=row.weight, method_text=row.method_text), *versions,
    )


# The skeleton's meta header holds this until the rows are written and the signature is known.
SIGNATURE_PLACEHOLDER = "0" * 64


def _meta_values(export: ActualsExport, layout: L.Layout, user: User | None, now: datetime) -> dict[str, object]:
    return {
        "template_version": L.TEMPLATE_VERSION,
        "kind": L.KIND_ACTUALS,
        "department_id": export.department.pk if export.department else "",
        "department_name": export.department.name if export.department else "",
        "year": export.year,
        "exported_at": now.isoformat(timespec="seconds"),
        "exported_by": getattr(user, "username", "") or "",
        "slot_count": layout.slot_count,
        "row_count": export.count,
        "years": "",
        "signature": SIGNATURE_PLACEHOLDER,
        "period_count": layout.period_count,
    }


def _meta_header(ws, header: dict[str, object]) -> None:
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    for number, key in enumerate(L.META_KEYS, start=1):
        ws.cell(number, 1, key)
        value = ws.cell(number, 2, header[key])
        if isinstance(header[key], str):
            value.data_type = "s"
    ws.cell(L.META_TABLE_HEADER_ROW, 1, L.META_SEPARATOR.join(L.META_COLUMNS))


# --- streaming rows into the skeleton ---------------------------------------------------------

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PROTOTYPE_ROW = re.compile(rb"<row [^>]*?r=\"%d\"[^>]*>.*?</row>" % L.FIRST_DATA_ROW, re.DOTALL)
_STYLE = re.compile(rb'<c r="([A-Z]+)\d+" s="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')
ROWS_PER_CHUNK = 500


class SharedStrings:
    """The workbook's shared string table (openpyxl writes none; its own strings stay inline)."""

    PART = "xl/sharedStrings.xml"
    CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def add(self, text: str) -> int:
        position = self.index.get(text)
        if position is None:
            position = self.index[text] = len(self.index)
        return position

    def xml(self) -> bytes:
        count = len(self.index)
        parts = [
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'count="%d" uniqueCount="%d">' % (count, count)
        ]
        parts.extend(f'<si><t xml:space="preserve">{xml_escape(text)}</t></si>'.encode() for text in self.index)
        parts.append(b"</sst>")
        return b"".join(parts)

    @classmethod
    def register(cls, parts: dict[str, bytes]) -> None:
        """Declare the part in [Content_Types].xml and the workbook's relationships."""
        override = f'<Override PartName="/{cls.PART}" ContentType="{cls.CONTENT_TYPE}"/>'.encode()
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", override + b"</Types>")
        relationship = f'<Relationship Id="rIdSharedStrings" Type="{cls.RELATIONSHIP}" Target="sharedStrings.xml"/>'
        rels = "xl/_rels/workbook.xml.rels"
        parts[rels] = parts[rels].replace(b"</Relationships>", relationship.encode() + b"</Relationships>")


def xml_escape(text: str) -> str:
    return escape(_ILLEGAL_XML.sub("", text))


def _number(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else ""
    return str(value)


def _stream_rows(skeleton: io.BytesIO, export: ActualsExport, layout: L.Layout, header: dict[str, object],
                 out: IO[bytes]) -> None:
    skeleton.seek(0)
    with zipfile.ZipFile(skeleton) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    data_part, meta_part = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"
    assert SharedStrings.PART not in parts, "openpyxl wrote its own shared strings"
    strings = SharedStrings()
    SharedStrings.register(parts)
    data_xml = parts[data_part]
    prototype = _PROTOTYPE_ROW.search(data_xml)
    assert prototype is not None, "the skeleton has no prototype row"
    styles = {letter.decode(): int(style) for letter, style in _STYLE.findall(prototype.group(0))}
    style = {name: styles[get_column_letter(index)] for index, name in enumerate(PROTOTYPE_STYLES, start=1)}
    style["kpi_text_quoted"] = styles[get_column_letter(len(PROTOTYPE_STYLES) + 1)]
    style["kpi_note_quoted"] = styles[get_column_letter(len(PROTOTYPE_STYLES) + 2)]
    for index, (name, number_format) in enumerate(FIGURE_STYLES, start=len(PROTOTYPE_STYLES) + 3):
        style[f"{name} {number_format}"] = styles[get_column_letter(index)]
    last_row = L.FIRST_DATA_ROW + export.count - 1
    dimension = f'<dimension ref="A1:{get_column_letter(layout.last_col)}{max(last_row, L.HEADER_ROW)}"/>'.encode()
    head = _DIMENSION.sub(dimension, data_xml[: prototype.start()], count=1)
    tail = data_xml[prototype.end():]
    signer = L.MetaSigner(header)

    # The meta rows wait in a spooled file (memory up to 4 MB, then disk) until the signature is known.
    with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024) as meta_rows, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as target:
        for name, content in parts.items():
            if name not in (data_part, meta_part):
                target.writestr(name, content)
        written = 0
        ranges = ValidationRanges()
        with target.open(data_part, "w") as handle:
            handle.write(head)
            chunk: list[str] = []
            meta_chunk: list[str] = []
            for row in export.rows:
                number = L.FIRST_DATA_ROW + written
                chunk.append(_row_xml(row, number, layout, strings, style))
                domain = row.input_domain if row.inputs else row.value_domain
                for block in layout.blocks:
                    for index in range(len(row.inputs) or 1):
                        ranges.add(domain, block.slots[index].value, number)
                values = meta_row(row)
                signer.add(values)
                meta_number = L.META_TABLE_HEADER_ROW + 1 + written
                # An inline string: a reader parses it once and keeps nothing (the shared table stays the names').
                meta_chunk.append(
                    f'<row r="{meta_number}"><c r="A{meta_number}" t="inlineStr"><is><t>{L.meta_text(values)}</t></is>'
                    "</c></row>"
                )
                written += 1
                if len(chunk) == ROWS_PER_CHUNK:
                    handle.write("".join(chunk).encode())
                    meta_rows.write("".join(meta_chunk).encode())
                    chunk, meta_chunk = [], []
            handle.write("".join(chunk).encode())
            meta_rows.write("".join(meta_chunk).encode())
            rules = ranges.validations(note_column=layout.note_col, last_row=L.FIRST_DATA_ROW + written - 1)
            handle.write(with_validations(tail, rules))
        meta_xml = parts[meta_part].replace(SIGNATURE_PLACEHOLDER.encode(), signer.hexdigest().encode(), 1)
        end = meta_xml.index(b"</sheetData>")
        last_meta = L.META_TABLE_HEADER_ROW + written
        meta_head = _DIMENSION.sub(f'<dimension ref="A1:B{last_meta}"/>'.encode(), meta_xml[:end], count=1)
        with target.open(meta_part, "w") as handle:
            handle.write(meta_head)
            meta_rows.seek(0)
            shutil.copyfileobj(meta_rows, handle, 1024 * 1024)
            handle.write(meta_xml[end:])
        target.writestr(SharedStrings.PART, strings.xml())


def _row_xml(row: ExportRow, number: int, layout: L.Layout, strings: SharedStrings, style: dict[str, int]) -> str:
    cells: list[tuple[int, str]] = []  # (column, cell): sorted before writing, as a sheet's cells must be

    def text(column: int, value: str | None, name: str) -> None:
        ref = f"{COLUMN_LETTERS[column]}{number}"
        if not value:
            cells.append((column, f'<c r="{ref}" s="{style[name]}"/>'))
            return
        quoted = style[name + "_quoted"] if value.startswith(FORMULA_TRIGGERS) else style[name]
        cells.append((column, f'<c r="{ref}" s="{quoted}" t="s"><v>{strings.add(value)}</v></c>'))

    def number_cell(column: int, value: Any, name: str) -> None:
        ref = f"{COLUMN_LETTERS[column]}{number}"
        if value is None or value == "":
            cells.append((column, f'<c r="{ref}" s="{style[name]}"/>'))
        else:
            cells.append((column, f'<c r="{ref}" s="{style[name]}"><v>{_number(value)}</v></c>'))

    def formula_cell(column: int, formula: str) -> None:
        ref = f"{COLUMN_LETTERS[column]}{number}"
        cells.append((column, f'<c r="{ref}" s="{style[computed]}"><f>{xml_escape(formula)}</f></c>'))

    number_cell(L.COL_ID, row.indicator_id, "kpi_text")
    text(L.COL_DEPARTMENT, row.department_name, "kpi_text")
    text(L.COL_NAME, row.name, "kpi_text")
    text(L.COL_UNIT, row.unit, "kpi_text")
    text(L.COL_KIND, row.kind, "kpi_text")
    number_cell(L.COL_WEIGHT, row.weight, "kpi_number")
    text(L.COL_FORMULA, row.method_text, "kpi_text")
    places = row.display_places
    number_cell(L.COL_TARGET, row.target, f"kpi_number {figure_number_format(row.target, places)}")
    number_cell(L.COL_PREVIOUS, row.previous, f"kpi_number {figure_number_format(row.previous, places)}")
    text(L.COL_STATUS, row.status_label, "kpi_text")
    labels = row.inputs or (L.DIRECT_LABEL,)
    # A live formula's result is not known here: the indicator's fixed decimals, else two.
    computed = f"kpi_computed {figure_number_format(None, places)}" if places is not None else "kpi_computed"
    blocks = [(block, row.periods[index] if row.periods else None) for index, block in enumerate(layout.blocks)]
    results = []  # the cells of each block's computed value
    for block, cells_of in blocks:
        editable = row.period_editable(cells_of) if cells_of else row.editable
        value_style = "kpi_input" if editable else "kpi_number"
        stored_inputs = cells_of.input_values if cells_of else row.input_values
        refs = []
        for index, slot in enumerate(block.slots):
            if index < len(labels):
                if row.inputs:
                    raw = stored_inputs.get(labels[index])
                    value = Decimal(str(raw)) if raw not in (None, "") else None
                else:
                    value = cells_of.value if cells_of else row.value
                if not block.period or block.period == 1:  # a workbook by period shows the labels once
                    text(slot.label, labels[index], "kpi_text")
                number_cell(slot.value, value, value_style)
                refs.append(f"{COLUMN_LETTERS[slot.value]}{number}")
            else:
                if not block.period or block.period == 1:
                    number_cell(slot.label, None, "kpi_disabled")
                number_cell(slot.value, None, "kpi_disabled")
        expression = row.excel_formula.format(*refs) if row.excel_formula else refs[0]
        formula = f'IF(COUNT({",".join(refs)})={len(refs)},IFERROR({expression},""),"")'
        formula_cell(block.computed, formula)
        results.append(f"{COLUMN_LETTERS[block.computed]}{number}")
    if row.periods:  # the year value: the indicator's rule over the periods' computed values
        year = year_formula(row.rule, results, places=row.value_domain.places)[1:]
        formula_cell(layout.computed_col, year)
    noted = any(row.period_editable(cells_of) for cells_of in row.periods) if row.periods else row.editable
    text(layout.note_col, row.note, "kpi_note" if noted else "kpi_text")
    if row.periods:
        cells.sort(key=lambda cell: cell[0])  # a row by period writes its shared labels among the first period's
    return f'<row r="{number}">{"".join(cell for _, cell in cells)}</row>'


COLUMN_LETTERS = {column: get_column_letter(column) for column in range(1, 200)}


def actuals_workbook(*, user: User, year: int, department_id: int | None, out: IO[bytes]) -> ActualsExport:
    """Check who may export what, load, and write the workbook to `out`."""
    department = export_scope(user=user, department_id=department_id)
    export = actuals_export_stream(year=year, department=department, user=user)
    actuals_workbook_write(export, out, user=user)
    return export
