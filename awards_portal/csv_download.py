"""CSV downloads that stream and that no spreadsheet program will read as a formula."""

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import StreamingHttpResponse

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: Any) -> str:
    """The cell as text, with a leading apostrophe where a spreadsheet would see a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(
    header: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ","
) -> Iterable[str]:
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield "\ufeff"  # a byte-order mark, so Excel opens UTF-8 names correctly
    yield writer.writerow([spreadsheet_safe(h) for h in header])
    for row in rows:
        yield writer.writerow([spreadsheet_safe(cell) for cell in row])


def csv_streaming_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ","
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_rows(header, rows, delimiter), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
