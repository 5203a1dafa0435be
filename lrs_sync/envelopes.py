"""The LearnerService verification messages, client side: requests built and answers read.

Element names, order and namespaces follow the published LearnerService contract (see
`lrs_sync/xsd/` and decision 0100): the wrapper element is namespaced, its children are not, and
every request begins OrganisationRef, UKPRN, OrgPassword, UserName.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from .soap import NS_REPORTMSG, NS_VLDMSG, child, text_of, texts_of
from .verification_types import (
    FAILURE_FLAGS,
    RESPONSE_CODES,
    LearnerToVerify,
    VerifiedLearner,
    VerifyBatchOutput,
)

SOAP_ACTION_VERIFY_LEARNER = "http://tempuri.org/LearnerPortType/verifyLearner"
# Every other LearnerService operation names an empty SOAPAction.
SOAP_ACTION_SUBMIT_VERIFY_BATCH = ""
SOAP_ACTION_GET_VERIFY_BATCH_OUTPUT = ""

# JobStatus is free text; these are the words that mean the output is complete.
FINISHED_JOB_STATUSES = frozenset({"completed", "complete", "finished", "successful"})


class UnexpectedAnswer(ValueError):
    """The LRS answered with XML the contract does not describe."""


@dataclass(frozen=True)
class Credentials:
    """The organisation's LRS account. The password is never logged or shown."""

    organisation_ref: str
    ukprn: str
    username: str
    password: str

    def __repr__(self) -> str:
        return (
            f"Credentials(organisation_ref={self.organisation_ref!r}, username={self.username!r})"
        )


def _credentials(wrapper: etree._Element, credentials: Credentials) -> None:
    child(wrapper, "OrganisationRef", credentials.organisation_ref)
    child(wrapper, "UKPRN", credentials.ukprn)
    child(wrapper, "OrgPassword", credentials.password)
    child(wrapper, "UserName", credentials.username)


def _date_text(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def _learner_fields(parent: etree._Element, learner: LearnerToVerify) -> None:
    child(parent, "ULN", learner.uln)
    child(parent, "FamilyName", learner.family_name)
    child(parent, "GivenName", learner.given_name)
    # Optional: sent only when the portal holds them, since a supplied value must match.
    if learner.date_of_birth:
        child(parent, "DateOfBirth", _date_text(learner.date_of_birth))
    if learner.gender:
        child(parent, "Gender", learner.gender)


def verify_learner_request(credentials: Credentials, learner: LearnerToVerify) -> etree._Element:
    """`VerifyLearner` (reportmsg) for one learner."""
    wrapper = etree.Element(f"{{{NS_REPORTMSG}}}VerifyLearner", nsmap={"rpt": NS_REPORTMSG})
    _credentials(wrapper, credentials)
    _learner_fields(child(wrapper, "LearnerToVerify"), learner)
    return wrapper


def submit_verify_batch_request(
    credentials: Credentials, learners: Sequence[LearnerToVerify], *, notify_email: str
) -> etree._Element:
    """`SubmitVerifyBatch` (vldmsg): the count, the email to tell when done, then each learner."""
    wrapper = etree.Element(f"{{{NS_VLDMSG}}}SubmitVerifyBatch", nsmap={"vld": NS_VLDMSG})
    _credentials(wrapper, credentials)
    child(wrapper, "LearnerRecordCount", str(len(learners)))
    child(wrapper, "OrgEmail", notify_email)
    for learner in learners:
        record = child(wrapper, "Learner")
        child(record, "MISIdentifier", learner.mis_identifier)
        _learner_fields(record, learner)
    return wrapper


def get_verify_batch_output_request(credentials: Credentials, job_id: int) -> etree._Element:
    """`GetVerifyBatchOutput` (vldmsg) for one job."""
    wrapper = etree.Element(f"{{{NS_VLDMSG}}}GetVerifyBatchOutput", nsmap={"vld": NS_VLDMSG})
    _credentials(wrapper, credentials)
    child(wrapper, "JobID", str(job_id))
    return wrapper


def _parse_date(text: str) -> datetime.date | None:
    # The LRS sends "YYYY-MM-DD", sometimes with a time after it.
    try:
        return datetime.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _verified_learner(element: etree._Element) -> VerifiedLearner:
    fields = texts_of(element)
    searched = LearnerToVerify(
        uln=fields.get("SearchedULN", ""),
        given_name=fields.get("SearchedGivenName", ""),
        family_name=fields.get("SearchedFamilyName", ""),
        date_of_birth=_parse_date(fields.get("SearchedDateOfBirth", "")),
        gender=fields.get("SearchedGender", ""),
        mis_identifier=fields.get("MISIdentifier", ""),
    )
    response_code = fields.get("ResponseCode", "")
    if not response_code:
        raise UnexpectedAnswer("The LRS answered a learner without a ResponseCode.")
    if response_code not in RESPONSE_CODES:
        raise UnexpectedAnswer(
            f"The LRS answered a learner with the code {response_code[:20]}, which the portal "
            "does not know, so nothing was stored."
        )
    flags = [flag.text.strip() for flag in element.iterchildren("FailureFlag") if flag.text]
    unknown = [flag for flag in flags if flag and flag not in FAILURE_FLAGS]
    if unknown:
        raise UnexpectedAnswer(
            f"The LRS answered a learner with the failure flag {unknown[0][:20]}, which the "
            "portal does not know, so nothing was stored."
        )
    return VerifiedLearner(
        searched=searched,
        response_code=response_code,
        lrs_uln=fields.get("ULN", ""),
        lrs_given_name=fields.get("GivenName", ""),
        lrs_family_name=fields.get("FamilyName", ""),
        lrs_date_of_birth=_parse_date(fields.get("DateOfBirth", "")),
        lrs_gender=fields.get("Gender", ""),
        failure_flags=tuple(flag for flag in flags if flag),
    )


def _expect(payload: etree._Element, namespace: str, name: str) -> None:
    if payload.tag != f"{{{namespace}}}{name}":
        raise UnexpectedAnswer(
            f"Expected {name} from the LRS, received {etree.QName(payload).localname}."
        )


def verify_learner_answer(payload: etree._Element) -> VerifiedLearner:
    """The learner in `VerifyLearnerResponse`."""
    _expect(payload, NS_REPORTMSG, "VerifyLearnerResponse")
    element = payload.find("VerifiedLearner")
    if element is None:
        raise UnexpectedAnswer("The LRS's VerifyLearnerResponse holds no VerifiedLearner.")
    return _verified_learner(element)


def submit_verify_batch_answer(payload: etree._Element) -> int:
    """The job id in `SubmitVerifyBatchResponse`."""
    _expect(payload, NS_VLDMSG, "SubmitVerifyBatchResponse")
    job_id = text_of(payload, "JobID")
    if not job_id.isascii() or not job_id.isdigit():
        raise UnexpectedAnswer("The LRS's SubmitVerifyBatchResponse holds no job id.")
    return int(job_id)


def get_verify_batch_output_answer(payload: etree._Element) -> VerifyBatchOutput:
    """`GetVerifyBatchOutputResponse`: the job's status and, once finished, every learner."""
    _expect(payload, NS_VLDMSG, "GetVerifyBatchOutputResponse")
    job_status = text_of(payload, "JobStatus")
    learners = [_verified_learner(element) for element in payload.iterchildren("VerifiedLearner")]
    ready = job_status.casefold() in FINISHED_JOB_STATUSES
    return VerifyBatchOutput(job_status=job_status, ready=ready, learners=learners if ready else [])
