"""What the LRS's verification codes and failure flags mean, and what to do next, in words
(002 §13; VRF1-VRF8 as domain.md lists them)."""

from __future__ import annotations

from collections.abc import Iterable

from .verification_types import (
    EXACT_MATCH,
    LINKED_MATCH,
    NOT_MATCHED,
    POSSIBLE_LINKED_MATCH,
    POSSIBLE_MATCH,
    ULN_NOT_FOUND,
)

CODE_WORDS = {
    EXACT_MATCH: "Exact match: the learner's details match the LRS's for this ULN.",
    LINKED_MATCH: (
        "Exact linked match: the details match, and the learner also has another ULN, marked "
        "as the master. The LRS's values shown are the master learner's."
    ),
    POSSIBLE_MATCH: (
        "Possible match: the names are close to the LRS's but not the same (a spelling, part "
        "of a double name, a short form of a given name or a previous family name)."
    ),
    POSSIBLE_LINKED_MATCH: (
        "Possible linked match: a possible match to a learner whose master is another ULN. "
        "The LRS's values shown are the master learner's."
    ),
    NOT_MATCHED: (
        "Learner does not match: the ULN exists, but the other details are not that learner's."
    ),
    ULN_NOT_FOUND: "ULN not found: the LRS has no learner with this ULN.",
}

FLAG_WORDS = {
    "VRF1": "The given name does not match the LRS's given name.",
    "VRF2": "The given name does not match the LRS's family name.",
    "VRF3": "The given name does not match the LRS's previous family name.",
    "VRF4": "The family name does not match the LRS's given name.",
    "VRF5": "The family name does not match the LRS's family name.",
    "VRF6": "The family name does not match the LRS's previous family name.",
    "VRF7": "The date of birth does not match the LRS's.",
    "VRF8": "The gender does not match the LRS's.",
}

GIVEN_NAME_FLAGS = {"VRF1"}
FAMILY_NAME_FLAGS = {"VRF5"}


def code_in_words(code: str) -> str:
    return CODE_WORDS.get(
        code, f"The LRS answered {code or 'nothing'}, which the portal does not know."
    )


def flag_in_words(flag: str) -> str:
    return FLAG_WORDS.get(flag, f"Failure flag {flag}.")


def next_step(code: str, flags: Iterable[str] = (), *, master_uln: str = "") -> str:
    """What the provider or the AO should do about this answer, in one sentence."""
    raised = set(flags)
    if code == EXACT_MATCH:
        return "Nothing to do: the ULN is verified."
    if code == LINKED_MATCH:
        master = f" ({master_uln})" if master_uln else ""
        return f"Use the learner's master ULN{master}: the LRS links this ULN to it."
    if code in (POSSIBLE_MATCH, POSSIBLE_LINKED_MATCH):
        return (
            "Compare the names side by side with the learner; if the LRS's are right, correct "
            "the learner's details and verify again."
        )
    if code == ULN_NOT_FOUND:
        return "Check the ULN with the learner: the LRS has no learner with this ULN."
    if code == NOT_MATCHED:
        given, family = bool(raised & GIVEN_NAME_FLAGS), bool(raised & FAMILY_NAME_FLAGS)
        if given and family:
            return (
                "The ULN belongs to another learner: check the ULN with the learner, or ask "
                "them for their own."
            )
        steps = []
        if given:
            steps.append("the given name")
        if family:
            steps.append("the family name")
        if "VRF7" in raised:
            steps.append("the date of birth")
        if "VRF8" in raised:
            steps.append("the gender")
        if steps:
            listed = steps[0] if len(steps) == 1 else ", ".join(steps[:-1]) + " and " + steps[-1]
            return f"Check {listed} with the learner."
        return "Check the learner's details with the learner."
    return "Verify the learner again."
