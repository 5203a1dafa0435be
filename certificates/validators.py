"""Certificate numbers, QR tokens and learner-name matching: pure functions, no database."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable

# Crockford's base 32 without Z: 31 symbols, so a weighted sum modulo the prime 31 has a check
# symbol in the same alphabet (no `*~$=U` as Crockford's mod-37 check would need). Crockford
# already leaves out I, L, O and U, which are confused with 1, 1, 0 and V when read aloud.
# See docs/decisions/0020-certificate-numbers-and-qr-tokens.md.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXY"
NUMBER_MODULUS = len(NUMBER_ALPHABET)  # 31, a prime
NUMBER_DATA_LENGTH = 9  # 31**9 is about 2.6e13 possible numbers
NUMBER_LENGTH = NUMBER_DATA_LENGTH + 1
NUMBER_GROUP = 5  # shown as two groups of five: "7KQ4M-2XHPR"
_SYMBOL_VALUE = {symbol: value for value, symbol in enumerate(NUMBER_ALPHABET)}
# What people type for what they mean (Crockford): O for 0, I and L for 1.
_TYPED_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})

QR_TOKEN_BYTES = 24  # 192 random bits, 32 URL-safe characters
QR_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")

PDF_MAGIC = b"%PDF-"


def _weighted_sum(values: list[int]) -> int:
    # Weights 1, 2, 3 ... are distinct and non-zero modulo 31, so the sum changes for any one
    # wrong symbol and for any two symbols swapped (adjacent or not, up to 30 apart).
    return sum(weight * value for weight, value in enumerate(values, start=1)) % NUMBER_MODULUS


def certificate_number_check_symbol(data: str) -> str:
    """The symbol that makes the weighted sum of all ten symbols 0 modulo 31."""
    values = [_SYMBOL_VALUE[symbol] for symbol in data]
    partial = _weighted_sum(values)
    check_weight = len(values) + 1
    inverse = pow(check_weight, -1, NUMBER_MODULUS)
    return NUMBER_ALPHABET[(-partial * inverse) % NUMBER_MODULUS]


def certificate_number_generate() -> str:
    """A new random number (canonical form, ten symbols) with its check symbol last."""
    data = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_DATA_LENGTH))
    return data + certificate_number_check_symbol(data)


def _is_separator(character: str) -> bool:
    # Whitespace, any dash (hyphen, non-breaking hyphen, en and em dash: category Pd), the minus
    # sign, dots, and invisible format characters (zero-width space, BOM: category Cf), which
    # come along when a number is copied from a PDF, a word processor or a phone.
    category = unicodedata.category(character)
    return character.isspace() or category in ("Pd", "Cf") or character in "\u2212."


def certificate_number_normalise(typed: str) -> str:
    """What a person typed, in canonical form: upper case, no spaces or dashes, O->0, I/L->1.

    NFKC first, so full-width digits and letters count as the ordinary ones.
    """
    text = unicodedata.normalize("NFKC", typed or "")
    return text.translate(_NO_SEPARATORS).upper().translate(_TYPED_ALIASES)


def certificate_number_problem(typed: str) -> str | None:
    """Why a typed certificate number cannot be right, or None if it could be."""
    number = certificate_number_normalise(typed)
    if not number:
        return "Enter the certificate number."
    if len(number) != NUMBER_LENGTH:
        return (
            f"A certificate number has {NUMBER_LENGTH} letters and digits, like 7KQ4M-2XHPR; "
            f"you entered {len(number)}."
        )
    unknown = sorted({symbol for symbol in number if symbol not in _SYMBOL_VALUE})
    if unknown:
        return (
            "A certificate number never contains "
            + ", ".join(unknown)
            + ": check each character against the certificate."
        )
    if not certificate_number_is_valid(number):
        return (
            "This certificate number has a typing mistake (its last character does not "
            "match the others): check each character against the certificate."
        )
    return None


def certificate_number_is_valid(number: str) -> bool:
    """True if a canonical number has the right length, alphabet and check symbol."""
    if len(number) != NUMBER_LENGTH or any(s not in _SYMBOL_VALUE for s in number):
        return False
    return _weighted_sum([_SYMBOL_VALUE[s] for s in number]) == 0


def certificate_number_display(number: str) -> str:
    """The canonical number as printed and read aloud: two groups of five."""
    return f"{number[:NUMBER_GROUP]}-{number[NUMBER_GROUP:]}"


def qr_token_generate() -> str:
    return secrets.token_urlsafe(QR_TOKEN_BYTES)


def qr_token_is_well_formed(token: str) -> bool:
    return bool(QR_TOKEN_PATTERN.match(token or ""))


def learner_name_key(name: str) -> str:
    """A name as compared when checking: no accents, case, whitespace or punctuation.

    "Zoë  O\u2019Brien-Smith", "zoe o'brien-smith" and "Zoe OBrien Smith" have the same key
    (R-LRN-2, R-CRT-2): people type "O Brien" for "O'Brien" and "Mary Jane" for "Mary-Jane",
    above all on phones, and dropping the punctuation R-LRN-2 allows (apostrophes, hyphens,
    dots) makes a name barely easier to guess. See docs/decisions/0061-public-check-input.md.
    """
    decomposed = unicodedata.normalize("NFKD", name or "")
    return decomposed.translate(_NO_MARKS).casefold().translate(_NO_NAME_SEPARATORS)


def _is_name_punctuation(character: str) -> bool:
    return unicodedata.category(character).startswith("P") or character in "`\u02bc"


class _Dropping(dict[int, int | None]):
    """A `str.translate` table that drops the characters `drop` says, keeping the rest.

    Each character is judged once and remembered (up to a bound, whatever is typed), so a
    check's name and number are cleaned at C speed instead of one Python call per character.
    """

    def __init__(self, drop: Callable[[str], bool], bound: int = 4096) -> None:
        super().__init__()
        self._drop, self._bound = drop, bound

    def __missing__(self, code: int) -> int | None:
        kept = None if self._drop(chr(code)) else code
        if len(self) < self._bound:
            self[code] = kept
        return kept


_NO_SEPARATORS = _Dropping(_is_separator)
_NO_MARKS = _Dropping(lambda character: bool(unicodedata.combining(character)))
_NO_NAME_SEPARATORS = _Dropping(
    lambda character: character.isspace() or _is_name_punctuation(character)
)


def learner_names_match(typed: str, on_certificate: str) -> bool:
    typed_key = learner_name_key(typed)
    return bool(typed_key) and secrets.compare_digest(
        typed_key.encode(), learner_name_key(on_certificate).encode()
    )


def search_text_clean(text: str) -> str:
    """Search input without NUL and other control characters (PostgreSQL refuses NUL)."""
    return "".join(c for c in text or "" if unicodedata.category(c) != "Cc" or c in "\t ").strip()


def pdf_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def looks_like_pdf(head: bytes) -> bool:
    """A PDF starts with %PDF- within its first kilobyte (some writers put junk before it)."""
    return PDF_MAGIC in head[:1024]
