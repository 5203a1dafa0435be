"""Writing many rows in one statement: by COPY (`rows_copy`), PostgreSQL's bulk load, or as one
JSON parameter that PostgreSQL unpacks with jsonb_to_recordset, for INSERT ... SELECT and for
UPDATE ... FROM (`rows_insert`, `recordset`).

Django's bulk_create sends one placeholder per value, and psycopg turns arrays of thousands of
values into SQL in Python; either costs seconds for 5,000 rows. One JSON document costs
milliseconds to encode and to unpack, whatever the number of rows. COPY takes about half that
again: the rows are neither quoted into the SQL nor parsed as JSON (decision 0131)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def recordset(columns: Sequence[tuple[str, str]]) -> str:
    """SQL for the rows parameter as a table `v` with these (name, PostgreSQL type) columns."""
    declared = ", ".join(f'"{name}" {kind}' for name, kind in columns)
    return f"jsonb_to_recordset(%s::jsonb) AS v({declared})"


def records(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> str:
    """The rows (values in `columns` order) as the JSON parameter `recordset` reads."""
    names = [name for name, _ in columns]
    return json.dumps([dict(zip(names, row, strict=True)) for row in rows], default=_encode)


def rows_insert(
    *,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    fixed: Mapping[str, str] | None = None,
) -> None:
    """Insert `rows` (values in `columns` order) into `table`; columns are (name, PostgreSQL
    type) pairs; a "jsonb" column takes any JSON value. `fixed` gives other columns one SQL value
    for every row (e.g. an empty array). Names and SQL must be constants, never input."""
    if not rows:
        return
    constants = dict(fixed or {})
    targets = ", ".join([*(f'"{name}"' for name, _ in columns), *(f'"{c}"' for c in constants)])
    selected = ", ".join([*(f'v."{name}"' for name, _ in columns), *constants.values()])
    sql = (
        f"INSERT INTO {table} ({targets}) "  # noqa: S608 - names are the caller's constants
        f"SELECT {selected} FROM {recordset(columns)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [records(columns, rows)])


def rows_copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Rows written by one COPY: PostgreSQL's bulk load, with no SQL to build per row. Constraints,
    unique indexes and triggers apply as to INSERT. Names must be constants, never input."""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # names are the models' own columns
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)
