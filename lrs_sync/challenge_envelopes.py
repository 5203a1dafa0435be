"""LearnerServiceR9's event data challenge messages built and read with lxml, for both the client
and the sandpit: `CreateDataChallenge` and `ListDataChallenge` exactly as the published contract
gives them (parameters in http://tempuri.org/, the invoking organisation in Amor.Qcf.Common, the
results in http://api.lrs.qcf.gov.uk/model, faults `DomainFault`). The sandpit's own feed, which
the real LRS does not have, is in `challenge_feed_envelopes` (decision 0140).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from lxml import etree

from .achievement_envelopes import DomainFault, fault_envelope, read_fault
from .soap import NS_AMOR_COMMON, NS_QCF_MODEL, NS_R9, XSI

NS_FEED = "urn:awards-portal:lrs-sandpit:data-challenges"
R9_ACTION_PREFIX = "http://tempuri.org/ILearnerServiceR9/"
CREATE = "CreateDataChallenge"
LIST = "ListDataChallenge"
FEED_LIST = "ListAwardingOrganisationDataChallenges"
FEED_RESOLVE = "ResolveDataChallenge"
R9_OPERATIONS = (CREATE, LIST)
FEED_OPERATIONS = (FEED_LIST, FEED_RESOLVE)


def soap_action(operation: str) -> str:
    if operation in FEED_OPERATIONS:
        return f"{NS_FEED}/{operation}"
    return R9_ACTION_PREFIX + operation


def _r9(name: str) -> str:
    return f"{{{NS_R9}}}{name}"


def _model(name: str) -> str:
    return f"{{{NS_QCF_MODEL}}}{name}"


def date_time(value: datetime.date | datetime.datetime | None) -> str:
    """xs:dateTime; a date is sent at midnight, as the LRS carries dates."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat()
    return f"{value:%Y-%m-%d}T00:00:00"


def parse_date(text: str | None) -> datetime.date | None:
    text = (text or "").strip()
    return datetime.date.fromisoformat(text[:10]) if text else None


def parse_date_time(text: str | None) -> datetime.datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


@dataclass(frozen=True)
class Credentials:
    organisation_ref: str
    ukprn: str
    user_name: str
    password: str = field(repr=False)


# --- LearnerServiceR9: CreateDataChallenge --------------------------------------------------------


@dataclass(frozen=True)
class LearningEvent:
    """One achievement on a PLR as a challenge names it (the LRS's learning event)."""

    learning_event_id: int
    uln: str
    aim_reference: str
    award_date: datetime.date
    grade: str = ""
    ukprn: str = ""
    submission_type: str = ""
    withdrawn: bool = False
    aim_title: str = ""


@dataclass(frozen=True)
class ChallengeToCreate:
    """What CreateDataChallenge carries, free of XML."""

    challenge_type: str
    user_type: str
    uln: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    gender: str
    contact_name: str
    telephone: str
    email_address: str
    additional_information: str
    learning_event_1_id: int
    learning_event_2_id: int = 0
    original: LearningEvent | None = None
    supplied_grade: str = ""
    supplied_start_date: datetime.date | None = None
    supplied_end_date: datetime.date | None = None


# The contract's parameters after `language`, in its order.
CREATE_FIELDS = (
    "challengeType",
    "uln",
    "givenName",
    "familyName",
    "dateOfBirth",
    "gender",
    "contactName",
    "telephone",
    "emailAddress",
    "additionalInformation",
    "learningEvent1Id",
    "source1",
    "originalAccreditationNumber",
    "originalAwardingBody",
    "originalQualificationLevel",
    "originalAimTitle",
    "originalAchievedDate",
    "originalAchievedGrade",
    "originalTotalCredits",
    "originalCreditValue",
    "originalLanguageForAssessment",
    "originalProvider",
    "originalType",
    "originalStartDate",
    "originalEndDate",
    "learningEvent2Id",
    "source2",
    "suppliedAccreditationNumber",
    "suppliedAwardingBody",
    "suppliedAimTitle",
    "suppliedAchievedDate",
    "suppliedAchievedGrade",
    "suppliedTotalCredits",
    "suppliedCreditValue",
    "suppliedLanguageForAssessment",
    "suppliedProvider",
    "suppliedType",
    "suppliedQualificationLevel",
    "suppliedStartDate",
    "suppliedEndDate",
)
# Every parameter is present (minOccurs 1); these are not nillable in the contract.
NOT_NILLABLE = {"dateOfBirth", "learningEvent1Id", "learningEvent2Id", "vendorId"}


def _invoking_organisation(parent: etree._Element, credentials: Credentials) -> None:
    org = etree.SubElement(parent, _r9("invokingOrganisation"))
    for name, value in (
        ("ChannelCode", "WebServices"),
        ("Password", credentials.password),
        ("Reference", credentials.organisation_ref),
        ("Ukprn", credentials.ukprn),
        ("Username", credentials.user_name),
    ):
        etree.SubElement(org, f"{{{NS_AMOR_COMMON}}}{name}").text = value


def _header(operation: str, credentials: Credentials, user_type: str) -> etree._Element:
    root = etree.Element(_r9(operation), nsmap={"r9": NS_R9, "c": NS_AMOR_COMMON, "xsi": XSI})
    _invoking_organisation(root, credentials)
    etree.SubElement(root, _r9("userType")).text = user_type
    etree.SubElement(root, _r9("vendorId")).text = "0"
    etree.SubElement(root, _r9("language")).text = "ENG"
    return root


def _param(root: etree._Element, name: str, value: str) -> None:
    element = etree.SubElement(root, _r9(name))
    if value == "" and name not in NOT_NILLABLE:
        element.set(f"{{{XSI}}}nil", "true")
    else:
        element.text = value


def create_request(credentials: Credentials, challenge: ChallengeToCreate) -> etree._Element:
    root = _header(CREATE, credentials, challenge.user_type)
    original = challenge.original
    values = {
        "challengeType": challenge.challenge_type,
        "uln": challenge.uln,
        "givenName": challenge.given_name,
        "familyName": challenge.family_name,
        "dateOfBirth": date_time(challenge.date_of_birth) or "0001-01-01T00:00:00",
        "gender": challenge.gender,
        "contactName": challenge.contact_name,
        "telephone": challenge.telephone,
        "emailAddress": challenge.email_address,
        "additionalInformation": challenge.additional_information,
        "learningEvent1Id": str(challenge.learning_event_1_id),
        "learningEvent2Id": str(challenge.learning_event_2_id),
        "suppliedAchievedGrade": challenge.supplied_grade,
        "suppliedStartDate": date_time(challenge.supplied_start_date),
        "suppliedEndDate": date_time(challenge.supplied_end_date),
    }
    if original is not None:
        values.update(
            {
                "source1": "AO",
                "originalAccreditationNumber": original.aim_reference,
                "originalAimTitle": original.aim_title,
                "originalAchievedDate": date_time(original.award_date),
                "originalAchievedGrade": original.grade,
                "originalProvider": original.ukprn,
            }
        )
    for name in CREATE_FIELDS:
        _param(root, name, values.get(name, ""))
    return root


def _value(root: etree._Element, name: str) -> str:
    element = root.find(_r9(name))
    if element is None or element.get(f"{{{XSI}}}nil") == "true":
        return ""
    return (element.text or "").strip()


def read_credentials_r9(root: etree._Element) -> Credentials:
    org = root.find(_r9("invokingOrganisation"))

    def text(name: str) -> str:
        return (
            (org.findtext(f"{{{NS_AMOR_COMMON}}}{name}") if org is not None else "") or ""
        ).strip()

    return Credentials(
        organisation_ref=text("Reference"),
        ukprn=text("Ukprn"),
        user_name=text("Username"),
        password=text("Password"),
    )


def read_create_request(root: etree._Element) -> ChallengeToCreate:
    date_of_birth = parse_date(_value(root, "dateOfBirth"))
    return ChallengeToCreate(
        challenge_type=_value(root, "challengeType"),
        user_type=_value(root, "userType"),
        uln=_value(root, "uln"),
        given_name=_value(root, "givenName"),
        family_name=_value(root, "familyName"),
        date_of_birth=None if date_of_birth == datetime.date(1, 1, 1) else date_of_birth,
        gender=_value(root, "gender"),
        contact_name=_value(root, "contactName"),
        telephone=_value(root, "telephone"),
        email_address=_value(root, "emailAddress"),
        additional_information=_value(root, "additionalInformation"),
        learning_event_1_id=int(_value(root, "learningEvent1Id") or 0),
        learning_event_2_id=int(_value(root, "learningEvent2Id") or 0),
        supplied_grade=_value(root, "suppliedAchievedGrade"),
        supplied_start_date=parse_date(_value(root, "suppliedStartDate")),
        supplied_end_date=parse_date(_value(root, "suppliedEndDate")),
    )


@dataclass(frozen=True)
class CreateAnswer:
    response_code: str
    reference: str
    description: str


def create_response(answer: CreateAnswer) -> etree._Element:
    root = etree.Element(_r9("CreateDataChallengeResponse"), nsmap={"r9": NS_R9, "m": NS_QCF_MODEL})
    result = etree.SubElement(root, _r9("CreateDataChallengeResult"))
    etree.SubElement(result, _model("ResponseCode")).text = answer.response_code
    etree.SubElement(result, _model("DataChallengeReference")).text = answer.reference
    etree.SubElement(result, _model("ResponseDescription")).text = answer.description
    return root


def read_create_response(root: etree._Element) -> CreateAnswer:
    result = root.find(_r9("CreateDataChallengeResult"))
    if result is None:
        raise ValueError("CreateDataChallengeResponse has no result.")
    return CreateAnswer(
        response_code=(result.findtext(_model("ResponseCode")) or "").strip(),
        reference=(result.findtext(_model("DataChallengeReference")) or "").strip(),
        description=(result.findtext(_model("ResponseDescription")) or "").strip(),
    )


# --- LearnerServiceR9: ListDataChallenge ---------------------------------------------------------


@dataclass(frozen=True)
class ListItem:
    """ListDataChallengeItem: what the contract tells a raiser about each challenge."""

    reference: str
    created: datetime.datetime | None
    resolved: datetime.datetime | None
    status: str
    challenge_type: str


def list_request(
    credentials: Credentials,
    *,
    uln: str,
    created_start: datetime.datetime | None = None,
    created_end: datetime.datetime | None = None,
    user_type: str = "Provider",
) -> etree._Element:
    root = _header(LIST, credentials, user_type)
    _param(root, "uln", uln)
    _param(root, "dateCreatedStart", date_time(created_start))
    _param(root, "dateCreatedEnd", date_time(created_end))
    return root


def read_list_request(
    root: etree._Element,
) -> tuple[str, datetime.datetime | None, datetime.datetime | None]:
    return (
        _value(root, "uln"),
        parse_date_time(_value(root, "dateCreatedStart")),
        parse_date_time(_value(root, "dateCreatedEnd")),
    )


def list_response(items: list[ListItem], *, response_code: str) -> etree._Element:
    root = etree.Element(
        _r9("ListDataChallengeResponse"), nsmap={"r9": NS_R9, "m": NS_QCF_MODEL, "xsi": XSI}
    )
    result = etree.SubElement(root, _r9("ListDataChallengeResult"))
    challenges = etree.SubElement(result, _model("DataChallenges"))
    for item in items:
        element = etree.SubElement(challenges, _model("ListDataChallengeItem"))
        etree.SubElement(element, _model("CreatedDate")).text = date_time(item.created)
        etree.SubElement(element, _model("ReferenceNo")).text = item.reference
        resolved = etree.SubElement(element, _model("ResolvedDate"))
        if item.resolved is None:
            resolved.set(f"{{{XSI}}}nil", "true")
        else:
            resolved.text = date_time(item.resolved)
        etree.SubElement(element, _model("Status")).text = item.status
        etree.SubElement(element, _model("Type")).text = item.challenge_type
    # ResponseCode comes last in ListDataChallengeResponse (it has no ServiceResponseR9 base).
    etree.SubElement(result, _model("ResponseCode")).text = response_code
    return root


def read_list_response(root: etree._Element) -> list[ListItem]:
    items = []
    for element in root.iter(_model("ListDataChallengeItem")):
        resolved = element.find(_model("ResolvedDate"))
        items.append(
            ListItem(
                reference=(element.findtext(_model("ReferenceNo")) or "").strip(),
                created=parse_date_time(element.findtext(_model("CreatedDate"))),
                resolved=None
                if resolved is None or resolved.get(f"{{{XSI}}}nil") == "true"
                else parse_date_time(resolved.text),
                status=(element.findtext(_model("Status")) or "").strip(),
                challenge_type=(element.findtext(_model("Type")) or "").strip(),
            )
        )
    return items


# --- DomainFault (R9's fault, and the feed's): the same element as ExternalService's -------------


read_domain_fault = read_fault


def domain_fault_envelope(*, error_code: str, text: str, faultcode: str = "s:Client") -> bytes:
    return fault_envelope(
        DomainFault(faultcode=faultcode, faultstring=text, error_code=error_code, error_detail=text)
    )
