"""ExternalService messages built and read with lxml: SubmitAchievementBatchJob,
GetAchievementBatchJob, their answers and DomainFault (R-LRS-1, R-LRS-8).

Two namespaces in one request: the wrapper, its parameters and every Achievement field are in
…/services; the fields inside invokingUser and the children of both results are in …/model.
Both the client and the sandpit use this module, so they cannot drift apart.
"""

from __future__ import annotations

import base64
import copy
import datetime
import threading
from dataclasses import dataclass, field
from typing import NamedTuple

from lxml import etree

from . import soap

NS_SERVICES = soap.NS_QCF_SERVICES
NS_MODEL = soap.NS_QCF_MODEL
NS_FAULTS = soap.NS_QCF_FAULTS
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SOAP_ACTION_PREFIX = "http://api.lrs.qcf.gov.uk/services/IExternalService/"
SUBMIT = "SubmitAchievementBatchJob"
GET_JOB = "GetAchievementBatchJob"
JOB_STATUSES = ("Failed", "Successful", "Waiting", "InProgress", "Cancelled")
FINISHED_STATUSES = ("Failed", "Successful", "Cancelled")

_NSMAP = {"s": NS_SERVICES, "m": NS_MODEL}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _s(name: str) -> str:
    return f"{{{NS_SERVICES}}}{name}"


def _m(name: str) -> str:
    return f"{{{NS_MODEL}}}{name}"


def soap_action(operation: str) -> str:
    return SOAP_ACTION_PREFIX + operation


def date_time(day: datetime.date | None) -> str:
    """xs:dateTime at midnight, as the contract carries dates."""
    return f"{day.isoformat()}T00:00:00" if day else ""


def parse_date_time(text: str | None) -> datetime.date | None:
    if not text:
        return None
    return datetime.date.fromisoformat(text.strip()[:10])


# --- the contract ------------------------------------------------------------------------------
# One XSD for every LRS service the portal uses (`lrs_sync/xsd/lrs.xsd`, loaded by lrs_sync.soap);
# ExternalService is described there in its three namespaces.
contract_errors = soap.contract_errors


# --- achievements ------------------------------------------------------------------------------


class AchievementRow(NamedTuple):
    """One Achievement as sent, free of the database (a tuple: a batch makes 10,000 of them)."""

    award_date: datetime.date
    action: int
    action_date: datetime.date | None
    action_reason: str
    date_of_birth: datetime.date | None  # PII
    family_name: str  # PII
    gender: str  # "0", "1", "2", "9" or ""
    given_name: str  # PII
    grade: str
    language_for_assessment: str
    postcode: str  # PII
    mis_identifier: str
    ukprn: str
    uln: str  # PII
    aim_reference: str


def _text(parent: etree._Element, name: str, value: str) -> None:
    etree.SubElement(parent, _s(name)).text = value


# The Achievement's fields in the contract's alphabetical order, and whether each is required;
# an optional field with no value is left out.
ACHIEVEMENT_FIELDS = (
    ("AchievementAwardDate", True),
    ("Action", True),
    ("ActionDate", True),
    ("ActionReason", False),
    ("DateofBirth", False),
    ("FamilyName", True),
    ("Gender", False),
    ("GivenName", True),
    ("Grade", False),
    ("LanguageForAssessment", False),
    ("LearnerPostcode", False),
    ("MisIdentifier", True),
    ("ProviderUkprn", True),
    ("Uln", True),
    ("UnitOrQualificationReferenceNumber", True),
)
_REQUIRED = tuple(required for _name, required in ACHIEVEMENT_FIELDS)
_templates = threading.local()


def _achievement_template() -> etree._Element:
    """An Achievement with every field and no values. Each record is a copy of it: one copy in C
    costs less than fifteen SubElement calls. One per thread, as lxml elements are not shared
    between threads."""
    template = getattr(_templates, "achievement", None)
    if template is None:
        template = etree.Element(_s("Achievement"), nsmap=_NSMAP)
        for name, _required in ACHIEVEMENT_FIELDS:
            etree.SubElement(template, _s(name))
        _templates.achievement = template
    return template


def achievement_element(row: AchievementRow) -> etree._Element:
    """One Achievement, its fields in the contract's alphabetical order."""
    element = copy.deepcopy(_achievement_template())
    award_date = date_time(row.award_date)
    values = (
        award_date,
        str(row.action),
        # ActionDate is required by the contract; a Create or Update carries the award date.
        date_time(row.action_date) if row.action_date else award_date,
        row.action_reason,
        date_time(row.date_of_birth),
        row.family_name,
        row.gender,
        row.given_name,
        row.grade,
        row.language_for_assessment,
        row.postcode,
        row.mis_identifier,
        row.ukprn,
        row.uln,
        row.aim_reference,
    )
    for child, value, required in zip(list(element), values, _REQUIRED, strict=True):
        if value or required:
            child.text = value
        else:
            element.remove(child)
    return element


# A record serialised alone declares the namespaces the envelope declares once, above it.
_DECLARATIONS_BYTES = sum(len(f' xmlns:{p}="{uri}"'.encode()) for p, uri in _NSMAP.items())


def serialised_sizes(achievements: list[etree._Element]) -> list[int]:
    """Each Achievement's size in bytes inside the envelope (R-LRS-1 counts the batch's bytes),
    from one serialisation of each, in UTF-8 as the envelope is (not ASCII with character
    references, lxml's default)."""
    return [
        len(etree.tostring(element, encoding="utf-8")) - _DECLARATIONS_BYTES
        for element in achievements
    ]


def submit_request(
    *,
    email_address: str,
    submission_type: str,
    achievements: list[etree._Element],
) -> etree._Element:
    """SubmitAchievementBatchJob without invokingUser: what is stored and downloaded, so the
    organisation's password is never kept with a batch. `with_invoking_user` adds it to send."""
    root = etree.Element(_s(SUBMIT), nsmap=_NSMAP)
    _text(root, "emailAddress", email_address)
    _text(root, "submissionType", submission_type)
    array = etree.SubElement(root, _s("achievements"))
    array.extend(achievements)
    return root


@dataclass(frozen=True)
class Credentials:
    organisation_ref: str
    user_name: str
    password: str = field(repr=False)  # never logged, shown or stored with a batch


def invoking_user_element(credentials: Credentials) -> etree._Element:
    user = etree.Element(_s("invokingUser"), nsmap=_NSMAP)
    # The model's fields in its order: OrgPassword, OrganisationRef, UserName.
    etree.SubElement(user, _m("OrgPassword")).text = credentials.password
    etree.SubElement(user, _m("OrganisationRef")).text = credentials.organisation_ref
    etree.SubElement(user, _m("UserName")).text = credentials.user_name
    return user


def with_invoking_user(payload: bytes, credentials: Credentials) -> etree._Element:
    root = etree.fromstring(payload, parser=_PARSER)
    root.insert(0, invoking_user_element(credentials))
    return root


def get_job_request(*, job_id: int, credentials: Credentials) -> etree._Element:
    root = etree.Element(_s(GET_JOB), nsmap=_NSMAP)
    root.append(invoking_user_element(credentials))
    _text(root, "jobId", str(job_id))
    return root


def read_submit_request(root: etree._Element) -> tuple[Credentials, str, str, list[AchievementRow]]:
    """The sandpit's reading of a SubmitAchievementBatchJob."""
    user = root.find(_s("invokingUser"))
    credentials = Credentials(
        organisation_ref=(user.findtext(_m("OrganisationRef")) if user is not None else "") or "",
        user_name=(user.findtext(_m("UserName")) if user is not None else "") or "",
        password=(user.findtext(_m("OrgPassword")) if user is not None else "") or "",
    )
    rows = []
    for element in root.iterfind(f"{_s('achievements')}/{_s('Achievement')}"):

        def text(name: str, element: etree._Element = element) -> str:
            return (element.findtext(_s(name)) or "").strip()

        rows.append(
            AchievementRow(
                award_date=parse_date_time(text("AchievementAwardDate")),  # type: ignore[arg-type]
                action=int(text("Action") or 0),
                action_date=parse_date_time(text("ActionDate")),
                action_reason=text("ActionReason"),
                date_of_birth=parse_date_time(text("DateofBirth")),
                family_name=text("FamilyName"),
                gender=text("Gender"),
                given_name=text("GivenName"),
                grade=text("Grade"),
                language_for_assessment=text("LanguageForAssessment"),
                postcode=text("LearnerPostcode"),
                mis_identifier=text("MisIdentifier"),
                ukprn=text("ProviderUkprn"),
                uln=text("Uln"),
                aim_reference=text("UnitOrQualificationReferenceNumber"),
            )
        )
    return (
        credentials,
        (root.findtext(_s("emailAddress")) or "").strip(),
        (root.findtext(_s("submissionType")) or "").strip(),
        rows,
    )


# --- answers -----------------------------------------------------------------------------------


def submit_response(*, job_id: int, response_code: str = "") -> etree._Element:
    root = etree.Element(_s("SubmitAchievementBatchJobResponse"), nsmap=_NSMAP)
    result = etree.SubElement(root, _s("SubmitAchievementBatchJobResult"))
    if response_code:
        etree.SubElement(result, _m("ResponseCode")).text = response_code
    etree.SubElement(result, _m("JobId")).text = str(job_id)
    return root


def read_submit_response(root: etree._Element) -> int:
    text = root.findtext(f"{_s('SubmitAchievementBatchJobResult')}/{_m('JobId')}")
    if not text:
        raise ValueError("The LRS's answer carries no JobId.")
    return int(text)


@dataclass
class BatchJob:
    """GetAchievementBatchJob's answer."""

    job_id: int
    status: str
    response_code: str = ""
    error_file: str = ""
    filename: str = ""
    rejection_reason: str = ""
    counters: dict[str, int | None] = field(default_factory=dict)
    percentage_successful: float | None = None
    submitted: datetime.date | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES


# The job's counters in the contract's order, with the batch field each fills.
COUNTERS = {
    "AchievementsCreated": "achievements_created",
    "AchievementsPromotedToFinal": "achievements_promoted_to_final",
    "AchievementsReinstated": "achievements_reinstated",
    "AchievementsUpdated": "achievements_updated",
    "AchievementsWithdrawn": "achievements_withdrawn",
    "BusinessRuleErrors": "business_rule_errors",
    "FieldDataErrors": "field_data_errors",
    "LearnerDataErrors": "learner_data_errors",
    "NumberOfRecords": "number_of_records",
    "SuccessfulFinalAchievements": "successful_final",
    "SuccessfulProvisionalAchievements": "successful_provisional",
}
_ORDER = (
    "AchievementBatchErrorFile",
    "AchievementsCreated",
    "AchievementsPromotedToFinal",
    "AchievementsReinstated",
    "AchievementsUpdated",
    "AchievementsWithdrawn",
    "BusinessRuleErrors",
    "Duration",
    "EndDate",
    "FieldDataErrors",
    "Filename",
    "JobID",
    "LearnerDataErrors",
    "NumberOfRecords",
    "PercentageSuccessfulRecords",
    "RejectionReason",
    "StartDate",
    "Status",
    "SubmittedDate",
    "SuccessfulFinalAchievements",
    "SuccessfulProvisionalAchievements",
    "Type",
    "User",
)


def job_response(job: BatchJob, *, submission_type: str = "", user: str = "") -> etree._Element:
    root = etree.Element(_s("GetAchievementBatchJobResponse"), nsmap=_NSMAP)
    result = etree.SubElement(root, _s("GetAchievementBatchJobResult"))
    if job.response_code:
        etree.SubElement(result, _m("ResponseCode")).text = job.response_code
    values: dict[str, str] = {
        "JobID": str(job.job_id),
        "Status": job.status,
        "Type": submission_type,
        "User": user,
        "SubmittedDate": date_time(job.submitted),
    }
    if job.error_file:
        values["AchievementBatchErrorFile"] = job.error_file
        values["Filename"] = job.filename
    if job.rejection_reason:
        values["RejectionReason"] = job.rejection_reason
    if job.percentage_successful is not None:
        values["PercentageSuccessfulRecords"] = f"{job.percentage_successful:g}"
    for name, _attr in COUNTERS.items():
        value = job.counters.get(name)
        if value is not None:
            values[name] = str(value)
    for name in _ORDER:
        if values.get(name):
            etree.SubElement(result, _m(name)).text = values[name]
    return root


def read_job_response(root: etree._Element) -> BatchJob:
    result = root.find(_s("GetAchievementBatchJobResult"))
    if result is None:
        raise ValueError("The LRS's answer carries no GetAchievementBatchJobResult.")

    def text(name: str) -> str:
        return result.findtext(_m(name)) or ""

    counters = {name: int(text(name)) if text(name) else None for name in COUNTERS}
    percentage = text("PercentageSuccessfulRecords")
    return BatchJob(
        job_id=int(text("JobID") or 0),
        status=text("Status").strip(),
        response_code=text("ResponseCode").strip(),
        error_file=text("AchievementBatchErrorFile"),
        filename=text("Filename").strip(),
        rejection_reason=text("RejectionReason").strip(),
        counters=counters,
        percentage_successful=float(percentage) if percentage else None,
        submitted=parse_date_time(text("SubmittedDate")),
    )


# --- SOAP 1.1 ------------------------------------------------------------------------------------


class EnvelopeError(ValueError):
    """Not a SOAP 1.1 message the contract allows; the text says why."""


def envelope(payload: etree._Element) -> bytes:
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    body.append(payload)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def body_payload(message: bytes) -> etree._Element:
    try:
        root = etree.fromstring(message, parser=_PARSER)
    except etree.XMLSyntaxError as error:
        raise EnvelopeError(f"The message is not well-formed XML: {error}") from error
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise EnvelopeError("The message is not a SOAP 1.1 envelope.")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    children = [c for c in (body if body is not None else []) if isinstance(c.tag, str)]
    if len(children) != 1:
        raise EnvelopeError("The SOAP Body must hold exactly one element.")
    return children[0]


@dataclass(frozen=True)
class DomainFault:
    faultcode: str
    faultstring: str
    error_code: str = ""
    error_detail: str = ""


def fault_envelope(fault: DomainFault) -> bytes:
    # WCF's prefix: the faultcode callers give ("s:Client", "s:Server") names it.
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"s": SOAP_ENV})
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    soap_fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(soap_fault, "faultcode").text = fault.faultcode
    etree.SubElement(soap_fault, "faultstring").text = fault.faultstring
    detail = etree.SubElement(soap_fault, "detail")
    domain = etree.SubElement(detail, f"{{{NS_FAULTS}}}DomainFault", nsmap={None: NS_FAULTS})
    etree.SubElement(domain, f"{{{NS_FAULTS}}}ErrorCode").text = fault.error_code
    etree.SubElement(domain, f"{{{NS_FAULTS}}}ErrorDetail").text = base64.b64encode(
        fault.error_detail.encode()
    ).decode()
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def read_fault(payload: etree._Element) -> DomainFault | None:
    if payload.tag != f"{{{SOAP_ENV}}}Fault":
        return None
    domain = payload.find(f"detail/{{{NS_FAULTS}}}DomainFault")
    code = detail = ""
    if domain is not None:
        code = (domain.findtext(f"{{{NS_FAULTS}}}ErrorCode") or "").strip()
        raw = (domain.findtext(f"{{{NS_FAULTS}}}ErrorDetail") or "").strip()
        try:
            detail = base64.b64decode(raw).decode("utf-8", "replace")
        except ValueError:
            detail = raw
    return DomainFault(
        faultcode=(payload.findtext("faultcode") or "").strip(),
        faultstring=(payload.findtext("faultstring") or "").strip(),
        error_code=code,
        error_detail=detail,
    )
