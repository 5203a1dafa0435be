"""What the portal and the LRS client exchange for learner verification, free of SOAP and XML.

`lrs_sync.client` turns these into LearnerService envelopes and back; the verification services
work only with these.
"""

import datetime
from dataclasses import dataclass, field

# WSVRC00n, as the LRS answers them; domain.md writes VRC00n.
EXACT_MATCH = "WSVRC001"
LINKED_MATCH = "WSVRC002"
POSSIBLE_MATCH = "WSVRC003"
POSSIBLE_LINKED_MATCH = "WSVRC004"
NOT_MATCHED = "WSVRC005"
ULN_NOT_FOUND = "WSVRC006"
RESPONSE_CODES = frozenset(
    {EXACT_MATCH, LINKED_MATCH, POSSIBLE_MATCH, POSSIBLE_LINKED_MATCH, NOT_MATCHED, ULN_NOT_FOUND}
)
# VRF1-VRF8: which of the portal's details differ from the LRS's (002 §13).
FAILURE_FLAGS = frozenset(f"VRF{n}" for n in range(1, 9))


@dataclass(frozen=True)
class LearnerToVerify:
    """The portal's values for one learner, as sent to the LRS."""

    uln: str
    given_name: str  # PII
    family_name: str  # PII
    date_of_birth: datetime.date | None = None  # PII
    # LRS gender code: "0" not known, "1" male, "2" female, "9" not specified; "" when not sent.
    gender: str = ""
    # Batch only: the portal's own key for the row, echoed back by the LRS.
    mis_identifier: str = ""


@dataclass(frozen=True)
class VerifiedLearner:
    """The LRS's answer for one learner."""

    searched: LearnerToVerify
    response_code: str
    lrs_uln: str = ""
    lrs_given_name: str = ""  # PII
    lrs_family_name: str = ""  # PII
    lrs_date_of_birth: datetime.date | None = None  # PII
    lrs_gender: str = ""
    failure_flags: tuple[str, ...] = ()  # "VRF1" ... "VRF8"


@dataclass(frozen=True)
class VerifyBatchOutput:
    """`getVerifyBatchOutput`: not ready yet, or every learner's answer."""

    job_status: str  # the LRS's free text, kept as received
    ready: bool
    learners: list[VerifiedLearner] = field(default_factory=list)


class LrsError(Exception):
    """Anything that stopped a call to the LRS; the message is fit to show a person."""


class LrsUnavailable(LrsError):
    """The LRS could not be reached or answered 5xx after the client's retries: try later."""


class LrsFault(LrsError):
    """The LRS answered with a SOAP fault (MIAPAPIException or DomainFault)."""

    def __init__(self, message: str, *, code: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


class LrsCredentialsRefused(LrsFault):
    """The organisation ref, user name or password was refused: nothing will work until fixed."""
