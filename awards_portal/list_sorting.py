"""Sortable list pages: which columns sort, read from `?sort=` (unknown values fall back to the
default, never a 500), and the column headers' links with their `aria-sort`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.http import QueryDict


@dataclass(frozen=True)
class SortColumn:
    key: str
    label: str
    fields: tuple[str, ...]  # the ascending order; descending reverses each field


@dataclass(frozen=True)
class SortHeader:
    label: str
    url: str
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by it
    next_direction: str  # what following the link does, for screen readers


@dataclass(frozen=True)
class ListSort:
    value: str  # the current `sort` parameter, to carry into pagination and filters
    ordering: tuple[str, ...]
    headers: dict[str, SortHeader]


def _reversed(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


def list_sort(query: QueryDict, columns: Sequence[SortColumn], default: str) -> ListSort:
    """The list's order from `?sort=key` or `?sort=-key`, and a header per column whose link
    sorts by it (ascending first, then the other way)."""
    wanted = query.get("sort", "")
    by_key = {column.key: column for column in columns}
    if wanted.lstrip("-") not in by_key:
        wanted = default
    key, descending = wanted.lstrip("-"), wanted.startswith("-")
    chosen = by_key[key]
    ordering = tuple(_reversed(f) for f in chosen.fields) if descending else chosen.fields
    headers = {}
    for column in columns:
        current = column.key == key
        link_descending = current and not descending
        link_query = query.copy()
        link_query.pop("page", None)
        link_query["sort"] = f"-{column.key}" if link_descending else column.key
        headers[column.key] = SortHeader(
            label=column.label,
            url="?" + link_query.urlencode(),
            aria_sort=("descending" if descending else "ascending") if current else "",
            next_direction="descending" if link_descending else "ascending",
        )
    return ListSort(value=wanted, ordering=ordering, headers=headers)
