"""NOT THE LRS'S CONTRACT: the sandpit's own feed of the event data challenges raised against an
AO's achievements (`ListAwardingOrganisationDataChallenges`) and its way of hearing where one
stands (`ResolveDataChallenge`), in urn:awards-portal:lrs-sandpit:data-challenges and described by
`xsd/sandpit-challenge-feed.xsd`. The real LRS shows AOs their challenges in its portal instead
(decision 0140). Built and read with lxml for both the client and the sandpit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from lxml import etree

from .challenge_envelopes import (
    FEED_LIST,
    FEED_RESOLVE,
    NS_FEED,
    Credentials,
    LearningEvent,
    date_time,
    parse_date,
    parse_date_time,
)


def _feed(name: str) -> str:
    return f"{{{NS_FEED}}}{name}"


@dataclass(frozen=True)
class FedChallenge:
    """One challenge as the sandpit's feed gives it to the AO."""

    reference: str
    challenge_type: str
    status: str
    created: datetime.datetime
    user_type: str
    contact_name: str
    telephone: str
    email_address: str
    uln: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    additional_information: str
    learning_event: LearningEvent
    second_learning_event: LearningEvent | None = None
    supplied_grade: str = ""
    supplied_start_date: datetime.date | None = None
    supplied_end_date: datetime.date | None = None


def _feed_credentials(parent: etree._Element, credentials: Credentials) -> None:
    element = etree.SubElement(parent, _feed("Credentials"))
    etree.SubElement(element, _feed("OrganisationRef")).text = credentials.organisation_ref
    etree.SubElement(element, _feed("UserName")).text = credentials.user_name
    etree.SubElement(element, _feed("OrgPassword")).text = credentials.password


def read_feed_credentials(root: etree._Element) -> Credentials:
    element = root.find(_feed("Credentials"))

    def text(name: str) -> str:
        return ((element.findtext(_feed(name)) if element is not None else "") or "").strip()

    return Credentials(
        organisation_ref=text("OrganisationRef"),
        ukprn="",
        user_name=text("UserName"),
        password=text("OrgPassword"),
    )


def feed_list_request(
    credentials: Credentials, *, created_since: datetime.datetime | None
) -> etree._Element:
    root = etree.Element(_feed(FEED_LIST), nsmap={"f": NS_FEED})
    _feed_credentials(root, credentials)
    if created_since is not None:
        etree.SubElement(root, _feed("CreatedSince")).text = date_time(created_since)
    return root


def read_feed_list_request(root: etree._Element) -> datetime.datetime | None:
    return parse_date_time(root.findtext(_feed("CreatedSince")))


def _event_element(parent: etree._Element, name: str, event: LearningEvent) -> None:
    element = etree.SubElement(parent, _feed(name))
    for tag, value in (
        ("LearningEventId", str(event.learning_event_id)),
        ("Uln", event.uln),
        ("UnitOrQualificationReferenceNumber", event.aim_reference),
        ("AchievementAwardDate", date_time(event.award_date)),
        ("Grade", event.grade),
        ("ProviderUkprn", event.ukprn),
        ("SubmissionType", event.submission_type),
        ("Withdrawn", "true" if event.withdrawn else "false"),
    ):
        etree.SubElement(element, _feed(tag)).text = value


def _read_event(element: etree._Element) -> LearningEvent:
    def text(tag: str) -> str:
        return (element.findtext(_feed(tag)) or "").strip()

    award_date = parse_date(text("AchievementAwardDate"))
    if award_date is None:
        raise ValueError("A learning event in the feed has no award date.")
    return LearningEvent(
        learning_event_id=int(text("LearningEventId") or 0),
        uln=text("Uln"),
        aim_reference=text("UnitOrQualificationReferenceNumber"),
        award_date=award_date,
        grade=text("Grade"),
        ukprn=text("ProviderUkprn"),
        submission_type=text("SubmissionType"),
        withdrawn=text("Withdrawn") == "true",
    )


def feed_list_response(challenges: list[FedChallenge]) -> etree._Element:
    root = etree.Element(_feed(f"{FEED_LIST}Response"), nsmap={"f": NS_FEED})
    etree.SubElement(root, _feed("ResponseCode")).text = "EDC000"
    for challenge in challenges:
        element = etree.SubElement(root, _feed("DataChallenge"))
        for tag, value in (
            ("ReferenceNo", challenge.reference),
            ("ChallengeType", challenge.challenge_type),
            ("Status", challenge.status),
            ("CreatedDate", date_time(challenge.created)),
            ("UserType", challenge.user_type),
            ("ContactName", challenge.contact_name),
            ("Telephone", challenge.telephone),
            ("EmailAddress", challenge.email_address),
            ("Uln", challenge.uln),
            ("GivenName", challenge.given_name),
            ("FamilyName", challenge.family_name),
        ):
            etree.SubElement(element, _feed(tag)).text = value
        if challenge.date_of_birth is not None:
            etree.SubElement(element, _feed("DateOfBirth")).text = date_time(
                challenge.date_of_birth
            )
        etree.SubElement(
            element, _feed("AdditionalInformation")
        ).text = challenge.additional_information
        _event_element(element, "LearningEvent1", challenge.learning_event)
        if challenge.second_learning_event is not None:
            _event_element(element, "LearningEvent2", challenge.second_learning_event)
        if challenge.supplied_grade:
            etree.SubElement(
                element, _feed("SuppliedAchievedGrade")
            ).text = challenge.supplied_grade
        for tag, day in (
            ("SuppliedStartDate", challenge.supplied_start_date),
            ("SuppliedEndDate", challenge.supplied_end_date),
        ):
            if day is not None:
                etree.SubElement(element, _feed(tag)).text = date_time(day)
    return root


def read_feed_list_response(root: etree._Element) -> list[FedChallenge]:
    challenges = []
    for element in root.findall(_feed("DataChallenge")):

        def text(tag: str, element: etree._Element = element) -> str:
            return (element.findtext(_feed(tag)) or "").strip()

        second = element.find(_feed("LearningEvent2"))
        first = element.find(_feed("LearningEvent1"))
        if first is None:
            raise ValueError("A challenge in the feed names no learning event.")
        created = parse_date_time(text("CreatedDate"))
        if created is None:
            raise ValueError("A challenge in the feed has no created date.")
        challenges.append(
            FedChallenge(
                reference=text("ReferenceNo"),
                challenge_type=text("ChallengeType"),
                status=text("Status"),
                created=created,
                user_type=text("UserType"),
                contact_name=text("ContactName"),
                telephone=text("Telephone"),
                email_address=text("EmailAddress"),
                uln=text("Uln"),
                given_name=text("GivenName"),
                family_name=text("FamilyName"),
                date_of_birth=parse_date(text("DateOfBirth")),
                additional_information=text("AdditionalInformation"),
                learning_event=_read_event(first),
                second_learning_event=None if second is None else _read_event(second),
                supplied_grade=text("SuppliedAchievedGrade"),
                supplied_start_date=parse_date(text("SuppliedStartDate")),
                supplied_end_date=parse_date(text("SuppliedEndDate")),
            )
        )
    return challenges


def resolve_request(
    credentials: Credentials, *, reference: str, status: str, comments: str
) -> etree._Element:
    root = etree.Element(_feed(FEED_RESOLVE), nsmap={"f": NS_FEED})
    _feed_credentials(root, credentials)
    etree.SubElement(root, _feed("ReferenceNo")).text = reference
    etree.SubElement(root, _feed("Status")).text = status
    etree.SubElement(root, _feed("Comments")).text = comments
    return root


def read_resolve_request(root: etree._Element) -> tuple[str, str, str]:
    return (
        (root.findtext(_feed("ReferenceNo")) or "").strip(),
        (root.findtext(_feed("Status")) or "").strip(),
        (root.findtext(_feed("Comments")) or "").strip(),
    )


def resolve_response(*, response_code: str, description: str) -> etree._Element:
    root = etree.Element(_feed(f"{FEED_RESOLVE}Response"), nsmap={"f": NS_FEED})
    etree.SubElement(root, _feed("ResponseCode")).text = response_code
    etree.SubElement(root, _feed("ResponseDescription")).text = description
    return root


def read_resolve_response(root: etree._Element) -> tuple[str, str]:
    return (
        (root.findtext(_feed("ResponseCode")) or "").strip(),
        (root.findtext(_feed("ResponseDescription")) or "").strip(),
    )
