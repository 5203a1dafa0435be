"""One search for people's names, shared by the learner, registration and certificate lists:
case, accents and punctuation ignored ("zoe adeyemi" finds Zoë Adeyemi, "oneill" O'Neill).

The folding runs in PostgreSQL (`people_name_fold`, made by this app's migration from `unaccent`),
over the same expressions the migration indexes with trigrams, so a search is one indexed query
however many people there are (decision 0115)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar

from django.db.models import F, Func, Model, Q, QuerySet, TextField

_Row = TypeVar("_Row", bound=Model)

# Letters unaccent folds but Unicode decomposition does not: kept equal on both sides.
_SPECIAL_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ß": "ss"}
)
_NOT_SEARCHED = re.compile(r"[^a-z0-9 ]+")

# The columns of a learner's full name, in the order the index concatenates them.
LEARNER_NAME_FIELDS = ("given_name", "preferred_given_name", "middle_names", "family_name")


def name_search_words(text: str) -> list[str]:
    """What a typed name is matched by, word by word, folded as `people_name_fold` folds a
    stored name: 'Zoë  O\u2019Neill' -> ['zoe', 'oneill']."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL_LETTERS))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return [w for w in (_NOT_SEARCHED.sub("", word) for word in stripped.split()) if w]


class PeopleNameFold(Func):
    """`people_name_fold(a || ' ' || b ...)`: exactly the expression the indexes hold."""

    function = "people_name_fold"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self, *fields: str, **extra: Any) -> None:
        super().__init__(*(F(name) for name in fields), **extra)


def learner_name_folded(prefix: str = "") -> PeopleNameFold:
    """A learner's folded full name; `prefix` reaches it across a relation ("learner__")."""
    return PeopleNameFold(*(prefix + name for name in LEARNER_NAME_FIELDS))


def people_search(
    queryset: QuerySet[_Row], *, folded: Func, text: str, or_matches: Q | None = None
) -> QuerySet[_Row]:
    """The rows whose folded name holds every word typed (in any order, "adeyemi zoe" too), or
    that `or_matches` (a ULN, a number) finds. Nothing searchable typed finds nothing."""
    words = name_search_words(text)
    if not words:
        return queryset.filter(or_matches) if or_matches is not None else queryset.none()
    condition = Q()
    for word in words:
        condition &= Q(name_folded__contains=word)
    if or_matches is not None:
        condition |= or_matches
    return queryset.alias(name_folded=folded).filter(condition)
