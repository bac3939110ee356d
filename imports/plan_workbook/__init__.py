"""The plan workbook: the whole plan on four sheets; admins upload it back to change indicators.

Sheets 조직 and 예산현황 are for reading; on 세부사업 an admin may fill in the 결산 (settled) amounts. On
성과지표 an admin may change 가중치, 측정산식 and the 목표 of each year; the upload goes through the same preview → confirm flow as the
actuals workbook and applies each change with `indicator_update` / `target_set` (source "excel",
audit rows carrying the import's id). A signed `_meta` sheet records what every row showed, so a
row changed on the server since export is refused instead of overwritten.

`layout` holds the columns, `export` writes the workbook, `upload` reads it back into a preview,
`confirm` applies the preview.
"""
from imports.plan_workbook.confirm import plan_confirm
from imports.plan_workbook.export import PlanExport, plan_workbook
from imports.plan_workbook.upload import plan_upload

__all__ = ["PlanExport", "plan_confirm", "plan_upload", "plan_workbook"]
