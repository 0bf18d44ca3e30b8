"""Budget vs actual as XLSX: openpyxl's write-only mode with typed cells (numbers are numbers,
execution a percentage), column widths, a frozen header row and an autofilter."""

import tempfile
from decimal import Decimal
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from finance.selectors.budgets import BudgetReport

MONEY = "#,##0.00"
PERCENT = "0.0%"


def budget_vs_actual_xlsx(report: BudgetReport) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(report.budget.year))
    headers = [
        (_("Strategic line"), 32, None),
        (_("Account"), 10, None),
        (_("Account name"), 36, None),
        (_("Budget (%(currency)s)") % {"currency": report.currency}, 16, MONEY),
        (_("Actual (%(currency)s)") % {"currency": report.currency}, 16, MONEY),
        (_("Difference (%(currency)s)") % {"currency": report.currency}, 16, MONEY),
        (_("Execution"), 12, PERCENT),
    ]
    for index, (_header, width, _format) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([header for header, _width, _format in headers])

    def typed(values: list[Any]) -> list[Any]:
        cells = []
        for value, (_header, _width, number_format) in zip(values, headers, strict=True):
            if number_format and value is not None:
                cell = WriteOnlyCell(sheet, value=float(value) if isinstance(value, Decimal) else value)
                cell.number_format = number_format
                cells.append(cell)
            else:
                cells.append(value)
        return cells

    count = 0
    for group in report.groups:
        for row in group.rows:
            sheet.append(
                typed(
                    [
                        group.label,
                        row.account.code,
                        row.account.label,
                        row.budget,
                        row.actual,
                        row.difference,
                        row.execution,
                    ]
                )
            )
            count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  # closed by FileResponse
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"budget-vs-actual-{report.budget.year}-{report.currency}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
