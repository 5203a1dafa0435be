"""Reading list pages' query parameters, which anyone can edit in the address bar: a value no
form could have sent is ignored (or shortened, and the page says so), never a 500."""

from __future__ import annotations

import re
import unicodedata

SEARCH_MAX_LENGTH = 100
# An id is ASCII digits only (str.isdigit() also accepts "²" and "١٢", which int() refuses) and
# fits PostgreSQL's bigint.
ID_PATTERN = re.compile(r"^[0-9]{1,18}$")


def query_id(value: str | None) -> int | None:
    """A record id from the query string, or None for anything else (the filter is ignored)."""
    value = (value or "").strip()
    if not ID_PATTERN.match(value):
        return None
    return int(value)


def query_text(value: str | None, max_length: int = SEARCH_MAX_LENGTH) -> tuple[str, bool]:
    """A search term: control characters (NUL, which PostgreSQL refuses, and the like) removed,
    runs of spaces collapsed, at most `max_length` characters. Returns (text, was_shortened)."""
    printable = "".join(c for c in (value or "") if c.isspace() or unicodedata.category(c) != "Cc")
    text = " ".join(printable.split())
    if len(text) > max_length:
        return text[:max_length].rstrip(), True
    return text, False


def query_shortened_message(max_length: int = SEARCH_MAX_LENGTH) -> str:
    return f"Searches use the first {max_length} characters; the rest was ignored."
