"""Pure checks on account input (R-ACC-1); no database."""

import re
import unicodedata

# Shared role mailboxes are refused: every account belongs to one person (R-ACC-1).
GENERIC_MAILBOX_LOCAL_PARTS = frozenset(
    {
        "admin",
        "administrator",
        "admissions",
        "contact",
        "enquiries",
        "enquiry",
        "exams",
        "examinations",
        "finance",
        "hello",
        "help",
        "hr",
        "info",
        "information",
        "mail",
        "office",
        "reception",
        "sales",
        "support",
        "team",
        "webmaster",
        "postmaster",
        "noreply",
        "no-reply",
    }
)


def email_is_generic_mailbox(email: str) -> bool:
    local_part = email.rsplit("@", 1)[0].strip().lower()
    return local_part in GENERIC_MAILBOX_LOCAL_PARTS


def username_base(given_name: str, family_name: str) -> str:
    """`firstname.surname` in lower-case ASCII letters (R-ACC-4), accents folded."""

    def fold(name: str) -> str:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z]", "", ascii_name.lower())

    given, family = fold(given_name), fold(family_name)
    return ".".join(part for part in (given, family) if part) or "user"
