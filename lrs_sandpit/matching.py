"""How the sandpit verifies a learner against its register (seed 002 §13, R-LRS-10).

- WSVRC001 exact match: both names equal after folding case and accents; a supplied date of birth
  and gender equal. WSVRC002 the same for a linked ULN, answered with the master's ULN and values.
- WSVRC003 possible match: a name only "fuzzy" matches: a small spelling difference, any part of
  a double name, a given-name synonym (Jim / James, from the `nicknames` package), the previous
  family name, or given and family names the other way round. WSVRC004 the same for a linked ULN.
- WSVRC005 does not match: a name matches nothing, or a supplied date of birth or gender differs.
  Failure flags say which comparisons failed: VRF1-VRF3 the given name against the LRS's given,
  family and previous family name; VRF4-VRF6 the family name against the same; VRF7 date of
  birth; VRF8 gender. VRF3 and VRF6 only where the LRS holds a previous family name.
- WSVRC006 the ULN is not on the register.

Pure functions over `RegisterEntry`, so a batch is one query and the matching itself is timed
alone (bench/lrs_verify.py uses `match_learners` as the floor).
"""

from __future__ import annotations

import datetime
import enum
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nicknames import NickNamer

if TYPE_CHECKING:
    from .models import RegisteredLearner

EXACT_MATCH = "WSVRC001"
LINKED_MATCH = "WSVRC002"
POSSIBLE_MATCH = "WSVRC003"
POSSIBLE_LINKED_MATCH = "WSVRC004"
NOT_MATCHED = "WSVRC005"
ULN_NOT_FOUND = "WSVRC006"

# Gender codes that say nothing, so never count as a mismatch.
UNINFORMATIVE_GENDERS = frozenset({"", "0", "9"})


@dataclass(frozen=True)
class RegisterEntry:
    """One ULN on the register as the matcher needs it; `master` is set for a linked ULN."""

    uln: str
    given_name: str
    family_name: str
    previous_family_name: str
    date_of_birth: datetime.date
    gender: str
    master: RegisterEntry | None = None


@dataclass(frozen=True)
class LearnerQuery:
    """The values the caller sent for one learner (all strings, as the contract has them)."""

    uln: str
    given_name: str
    family_name: str
    date_of_birth: str = ""  # "YYYY-MM-DD", or "" when not supplied
    gender: str = ""


@dataclass(frozen=True)
class MatchResult:
    response_code: str
    answered: RegisterEntry | None  # whose values go back: the master for a linked ULN
    failure_flags: tuple[str, ...] = ()


class NameMatch(enum.IntEnum):
    NONE = 0
    POSSIBLE = 1
    EXACT = 2


_LETTER_FOLDS = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "\u0131": "i",  # dotless i
        "\u2019": "'",  # right single quotation mark, often typed for an apostrophe
        "\u2018": "'",
    }
)
_PART_SEPARATORS = re.compile(r"[\s\-]+")
_NOT_LETTERS = re.compile(r"[^a-z]")


@functools.lru_cache(maxsize=65536)
def fold(name: str) -> str:
    """A name with case and accents folded and spaces tidied: "  Zoë  " -> "zoe"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_LETTER_FOLDS))
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(without_marks.split())


@functools.lru_cache(maxsize=65536)
def _parts(folded: str) -> frozenset[str]:
    return frozenset(part for part in _PART_SEPARATORS.split(folded.replace("'", "")) if part)


@functools.cache
def _nicknamer() -> NickNamer:
    return NickNamer()


@functools.lru_cache(maxsize=65536)
def _given_name_family(part: str) -> frozenset[str]:
    """The name and every name the `nicknames` data links it to (Jim -> James, Jimmy, ...)."""
    namer = _nicknamer()
    related = {part} | namer.nicknames_of(part) | namer.canonicals_of(part)
    return frozenset(name.casefold() for name in related)


def _edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    """Whether a and b are within `limit` edits (insert, delete, substitute, swap neighbours)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return False
        previous_previous, previous = previous, current
    return previous[-1] <= limit


def _spelled_alike(a: str, b: str) -> bool:
    letters_a, letters_b = _NOT_LETTERS.sub("", a), _NOT_LETTERS.sub("", b)
    if not letters_a or not letters_b:
        return False
    if letters_a == letters_b:  # "Sally-Ann" / "Sally Ann", "O'Brien" / "OBrien"
        return True
    shorter = min(len(letters_a), len(letters_b))
    if shorter < 3:
        return False
    return _edit_distance_at_most(letters_a, letters_b, 1 if shorter <= 5 else 2)


def _fuzzy(supplied: str, held: str, *, synonyms: bool) -> bool:
    """A possible match between two folded names."""
    if not supplied or not held:
        return False
    if _spelled_alike(supplied, held):
        return True
    supplied_parts, held_parts = _parts(supplied), _parts(held)
    if supplied_parts & held_parts:  # any part of a double name
        return True
    if synonyms:
        for part in supplied_parts:
            family = _given_name_family(part)
            if family & held_parts:
                return True
    return False


def _given_name_match(supplied: str, entry: RegisterEntry) -> tuple[NameMatch, tuple[str, ...]]:
    if supplied == fold(entry.given_name):
        return NameMatch.EXACT, ()
    previous = fold(entry.previous_family_name)
    if (
        _fuzzy(supplied, fold(entry.given_name), synonyms=True)
        or _fuzzy(supplied, fold(entry.family_name), synonyms=False)
        or (previous and _fuzzy(supplied, previous, synonyms=False))
    ):
        return NameMatch.POSSIBLE, ()
    return NameMatch.NONE, ("VRF1", "VRF2", "VRF3") if previous else ("VRF1", "VRF2")


def _family_name_match(supplied: str, entry: RegisterEntry) -> tuple[NameMatch, tuple[str, ...]]:
    if supplied == fold(entry.family_name):
        return NameMatch.EXACT, ()
    previous = fold(entry.previous_family_name)
    if (
        _fuzzy(supplied, fold(entry.family_name), synonyms=False)
        or (previous and _fuzzy(supplied, previous, synonyms=False))
        or _fuzzy(supplied, fold(entry.given_name), synonyms=False)
    ):
        return NameMatch.POSSIBLE, ()
    return NameMatch.NONE, ("VRF4", "VRF5", "VRF6") if previous else ("VRF4", "VRF5")


def match_learner(query: LearnerQuery, entry: RegisterEntry | None) -> MatchResult:
    """The answer for one learner, given the register entry for its ULN (None when absent)."""
    if entry is None:
        return MatchResult(response_code=ULN_NOT_FOUND, answered=None)
    given, given_flags = _given_name_match(fold(query.given_name), entry)
    family, family_flags = _family_name_match(fold(query.family_name), entry)
    flags = list(given_flags + family_flags)
    if query.date_of_birth and query.date_of_birth != entry.date_of_birth.isoformat():
        flags.append("VRF7")
    if (
        query.gender not in UNINFORMATIVE_GENDERS
        and entry.gender not in UNINFORMATIVE_GENDERS
        and query.gender != entry.gender
    ):
        flags.append("VRF8")
    answered = entry.master or entry
    if flags:
        return MatchResult(response_code=NOT_MATCHED, answered=answered, failure_flags=tuple(flags))
    linked = entry.master is not None
    if given is NameMatch.EXACT and family is NameMatch.EXACT:
        return MatchResult(response_code=LINKED_MATCH if linked else EXACT_MATCH, answered=answered)
    return MatchResult(
        response_code=POSSIBLE_LINKED_MATCH if linked else POSSIBLE_MATCH, answered=answered
    )


def match_learners(
    queries: Sequence[LearnerQuery], register: dict[str, RegisterEntry]
) -> list[MatchResult]:
    """Every learner's answer against a register indexed by ULN."""
    return [match_learner(query, register.get(query.uln)) for query in queries]


def register_for(ulns: Iterable[str]) -> dict[str, RegisterEntry]:
    """The register entries for these ULNs, with their masters, in a few queries."""
    from .models import RegisteredLearner

    wanted = sorted({uln for uln in ulns if uln})
    register: dict[str, RegisterEntry] = {}
    for start in range(0, len(wanted), 5000):
        rows = RegisteredLearner.objects.filter(
            uln__in=wanted[start : start + 5000]
        ).select_related("master")
        for row in rows:
            master = None
            if row.master is not None:
                master = _entry(row.master, None)
            register[row.uln] = _entry(row, master)
    return register


def _entry(row: RegisteredLearner, master: RegisterEntry | None) -> RegisterEntry:
    return RegisterEntry(
        uln=row.uln,
        given_name=row.given_name,
        family_name=row.family_name,
        previous_family_name=row.previous_family_name,
        date_of_birth=row.date_of_birth,
        gender=row.gender,
        master=master,
    )
