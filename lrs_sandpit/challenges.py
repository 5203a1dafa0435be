"""The sandpit's event data challenges: raising one (its page, its command, and LearnerServiceR9's
CreateDataChallenge), ListDataChallenge as the contract gives it, and the sandpit's own feed that
offers an AO the challenges raised against its achievements and hears its resolutions.

Which parts are the LRS's contract and which are the sandpit's own: decision 0140.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from lxml import etree

from lrs_sync import challenge_envelopes as env
from lrs_sync import challenge_feed_envelopes as feed
from lrs_sync.soap import SoapMessageError, body_payload, contract_errors, envelope

from .achievement_models import HeldAchievement
from .challenge_models import ChallengeStatus, ChallengeType, RaisedDataChallenge
from .models import RegisteredLearner, SandpitAccount
from .services import sandpit_account_ensure
from .soap_endpoint import SoapAnswer

logger = logging.getLogger(__name__)

# CreateDataChallenge's ResponseCode values. The LRS does not publish its codes; these are the
# sandpit's own (decision 0140).
CREATED = "DC001"
NO_SUCH_EVENT = "DC002"
UNKNOWN_TYPE = "DC003"
NEEDS_SECOND_EVENT = "DC004"
NOT_THIS_LEARNER = "DC005"
LISTED = "DC010"
# DomainFault ErrorCodes (the sandpit's own).
BAD_REQUEST = "EDC001"
CREDENTIALS_REFUSED = "EDC002"
NOT_FOUND = "EDC003"
SERVER_ERROR = "EDC009"

RAISER_TYPES = ("Provider", "Learner", "LocalAuthority")


class ChallengeRefused(ValueError):
    """A challenge the LRS would not accept, with its response code."""

    def __init__(self, code: str, text: str, field: str = "") -> None:
        super().__init__(text)
        self.code, self.text, self.field = code, text, field


def _account_for(event: HeldAchievement) -> SandpitAccount:
    """The AO that uploaded the achievement: the account of the batch that created it."""
    if event.job_id is not None:
        return event.job.account  # type: ignore[union-attr]
    account = SandpitAccount.objects.order_by("pk").first()
    if account is None:
        raise ChallengeRefused(NO_SUCH_EVENT, "No awarding organisation holds that achievement.")
    return account


@transaction.atomic
def data_challenge_raise(*, challenge: env.ChallengeToCreate) -> RaisedDataChallenge:
    """A provider, learner or local authority raises a challenge against an AO's achievement.

    Every type of R-EDC-1 is accepted; a duplicate needs the second learning event."""
    if challenge.challenge_type not in ChallengeType.values:
        raise ChallengeRefused(
            UNKNOWN_TYPE,
            f"challengeType {challenge.challenge_type!r} is not one of "
            + ", ".join(ChallengeType.values)
            + ".",
            "challenge_type",
        )
    event = (
        HeldAchievement.objects.select_related("job__account")
        .filter(
            pk=challenge.learning_event_1_id, source=HeldAchievement.Source.AWARDING_ORGANISATION
        )
        .first()
    )
    if event is None:
        raise ChallengeRefused(
            NO_SUCH_EVENT,
            f"There is no achievement uploaded by an AO with learning event id "
            f"{challenge.learning_event_1_id}.",
            "learning_event",
        )
    if challenge.uln and challenge.uln != event.uln:
        raise ChallengeRefused(
            NOT_THIS_LEARNER,
            f"Learning event {event.pk} is not on ULN {challenge.uln}'s record.",
            "uln",
        )
    second = None
    if challenge.challenge_type == ChallengeType.DUPLICATE:
        second = HeldAchievement.objects.filter(
            pk=challenge.learning_event_2_id, uln=event.uln
        ).first()
        if second is None or second.pk == event.pk:
            raise ChallengeRefused(
                NEEDS_SECOND_EVENT,
                "A challenge that an achievement appears more than once names the other copy "
                "(learningEvent2Id) on the same learner's record.",
                "second_learning_event",
            )
    learner = RegisteredLearner.objects.filter(uln=event.uln).first()
    raised = RaisedDataChallenge.objects.create(
        account=_account_for(event),
        challenge_type=challenge.challenge_type,
        user_type=challenge.user_type or "Provider",
        uln=event.uln,
        given_name=challenge.given_name or (learner.given_name if learner else ""),
        family_name=challenge.family_name or (learner.family_name if learner else ""),
        date_of_birth=challenge.date_of_birth or (learner.date_of_birth if learner else None),
        gender=challenge.gender or (learner.gender if learner else ""),
        contact_name=challenge.contact_name,
        telephone=challenge.telephone,
        email_address=challenge.email_address,
        additional_information=challenge.additional_information,
        learning_event=event,
        second_learning_event=second,
        supplied_grade=challenge.supplied_grade,
        supplied_start_date=challenge.supplied_start_date,
        supplied_end_date=challenge.supplied_end_date,
    )
    raised.reference = f"EDC{raised.pk:07d}"
    raised.save(update_fields=["reference"])
    return raised


def _event(held: HeldAchievement) -> env.LearningEvent:
    return env.LearningEvent(
        learning_event_id=held.pk,
        uln=held.uln,
        aim_reference=held.aim_reference,
        award_date=held.award_date,
        grade=held.grade,
        ukprn=held.ukprn,
        submission_type=held.submission_type,
        withdrawn=held.withdrawn,
    )


def fed_challenge(raised: RaisedDataChallenge) -> feed.FedChallenge:
    second = raised.second_learning_event
    return feed.FedChallenge(
        reference=raised.reference,
        challenge_type=raised.challenge_type,
        status=raised.status,
        created=raised.created_at,
        user_type=raised.user_type,
        contact_name=raised.contact_name,
        telephone=raised.telephone,
        email_address=raised.email_address,
        uln=raised.uln,
        given_name=raised.given_name,
        family_name=raised.family_name,
        date_of_birth=raised.date_of_birth,
        additional_information=raised.additional_information,
        learning_event=_event(raised.learning_event),
        second_learning_event=None if second is None else _event(second),
        supplied_grade=raised.supplied_grade,
        supplied_start_date=raised.supplied_start_date,
        supplied_end_date=raised.supplied_end_date,
    )


@transaction.atomic
def data_challenge_status_set(
    *, account: SandpitAccount, reference: str, status: str, comments: str
) -> RaisedDataChallenge:
    """The AO reports where a challenge stands (the LRS service desk hears of a resolution)."""
    raised = (
        RaisedDataChallenge.objects.select_for_update()
        .filter(account=account, reference=reference)
        .first()
    )
    if raised is None:
        raise ChallengeRefused(NOT_FOUND, f"There is no data challenge {reference} for this AO.")
    if raised.status in (ChallengeStatus.UPHELD, ChallengeStatus.REJECTED):
        if raised.status == status:
            return raised  # told twice: nothing changes
        raise ChallengeRefused(BAD_REQUEST, f"Data challenge {reference} is already resolved.")
    if status in (ChallengeStatus.UPHELD, ChallengeStatus.REJECTED) and not comments.strip():
        raise ChallengeRefused(BAD_REQUEST, "A resolution needs comments saying what was done.")
    raised.status = status
    raised.status_changed_at = timezone.now()
    fields = ["status", "status_changed_at"]
    if status in (ChallengeStatus.UPHELD, ChallengeStatus.REJECTED):
        raised.resolved_at = raised.status_changed_at
        raised.resolution_comments = comments.strip()
        fields += ["resolved_at", "resolution_comments"]
    raised.save(update_fields=fields)
    return raised


# --- the SOAP endpoint ----------------------------------------------------------------------------


class _Refusal(Exception):
    def __init__(self, code: str, text: str, faultcode: str = "s:Client") -> None:
        super().__init__(text)
        self.code, self.text, self.faultcode = code, text, faultcode


def _fault(refusal: _Refusal) -> SoapAnswer:
    return SoapAnswer(
        500,
        env.domain_fault_envelope(
            error_code=refusal.code, text=refusal.text, faultcode=refusal.faultcode
        ),
    )


def server_fault() -> SoapAnswer:
    return _fault(
        _Refusal(SERVER_ERROR, "The service could not process the request.", faultcode="s:Server")
    )


def _account(credentials: env.Credentials) -> SandpitAccount:
    if not SandpitAccount.objects.exists():
        from django.conf import settings

        if settings.LRS_ORGANISATION_REF:
            sandpit_account_ensure(
                organisation_ref=settings.LRS_ORGANISATION_REF,
                ukprn=settings.LRS_UKPRN,
                user_name=settings.LRS_USERNAME,
                password=settings.LRS_PASSWORD,
            )
    account = SandpitAccount.objects.filter(organisation_ref=credentials.organisation_ref).first()
    if account is None or not account.accepts(
        user_name=credentials.user_name, password=credentials.password
    ):
        raise _Refusal(
            CREDENTIALS_REFUSED,
            "The organisation reference, user name or password was not recognised.",
        )
    return account


def learner_service_r9(
    message: bytes, *, content_type: str, soap_action_header: str | None
) -> SoapAnswer:
    """Answers one POST to LearnerServiceR9.svc: the contract's two operations and the feed."""
    try:
        if content_type.split(";")[0].strip().lower() != "text/xml":
            raise _Refusal(BAD_REQUEST, "LearnerServiceR9 takes SOAP 1.1 as text/xml.")
        try:
            payload = body_payload(message)
        except SoapMessageError as error:
            raise _Refusal(BAD_REQUEST, str(error)) from None
        qname = etree.QName(payload)
        operation = qname.localname
        known = (qname.namespace == env.NS_R9 and operation in env.R9_OPERATIONS) or (
            qname.namespace == env.NS_FEED and operation in env.FEED_OPERATIONS
        )
        if not known:
            raise _Refusal(BAD_REQUEST, f"LearnerServiceR9 has no operation {qname.text}.")
        if (soap_action_header or "").strip().strip('"') != env.soap_action(operation):
            raise _Refusal(
                BAD_REQUEST,
                f'{operation} is sent with SOAPAction "{env.soap_action(operation)}".',
            )
        errors = contract_errors(payload)
        if errors:
            raise _Refusal(BAD_REQUEST, f"The request does not match the contract: {errors[0]}")
        if operation == env.CREATE:
            answer = _create(payload)
        elif operation == env.LIST:
            answer = _list(payload)
        elif operation == env.FEED_LIST:
            answer = _feed_list(payload)
        else:
            answer = _feed_resolve(payload)
    except _Refusal as refusal:
        return _fault(refusal)
    return SoapAnswer(200, envelope(answer))


def _create(payload: etree._Element) -> etree._Element:
    _account(env.read_credentials_r9(payload))
    request = env.read_create_request(payload)
    try:
        raised = data_challenge_raise(challenge=request)
    except ChallengeRefused as refused:
        return env.create_response(
            env.CreateAnswer(response_code=refused.code, reference="", description=refused.text)
        )
    return env.create_response(
        env.CreateAnswer(
            response_code=CREATED,
            reference=raised.reference,
            description="The data challenge has been raised with the awarding organisation.",
        )
    )


def _list(payload: etree._Element) -> etree._Element:
    _account(env.read_credentials_r9(payload))
    uln, start, end = env.read_list_request(payload)
    challenges = RaisedDataChallenge.objects.filter(uln=uln)
    if start is not None:
        challenges = challenges.filter(created_at__gte=start)
    if end is not None:
        challenges = challenges.filter(created_at__lte=end)
    items = [
        env.ListItem(
            reference=c.reference,
            created=c.created_at,
            resolved=c.resolved_at,
            status=c.status,
            challenge_type=c.challenge_type,
        )
        for c in challenges.order_by("created_at", "pk")
    ]
    return env.list_response(items, response_code=LISTED)


def _feed_list(payload: etree._Element) -> etree._Element:
    account = _account(feed.read_feed_credentials(payload))
    since = feed.read_feed_list_request(payload)
    challenges = RaisedDataChallenge.objects.filter(account=account).select_related(
        "learning_event", "second_learning_event"
    )
    if since is not None:
        challenges = challenges.filter(created_at__gte=since)
    return feed.feed_list_response([fed_challenge(c) for c in challenges.order_by("created_at")])


def _feed_resolve(payload: etree._Element) -> etree._Element:
    account = _account(feed.read_feed_credentials(payload))
    reference, status, comments = feed.read_resolve_request(payload)
    try:
        raised = data_challenge_status_set(
            account=account, reference=reference, status=status, comments=comments
        )
    except ChallengeRefused as refused:
        raise _Refusal(refused.code, refused.text) from None
    return feed.resolve_response(
        response_code="EDC000", description=f"Data challenge {raised.reference} is {raised.status}."
    )


def challenges_for_page() -> list[RaisedDataChallenge]:
    return list(
        RaisedDataChallenge.objects.select_related("learning_event").order_by("-created_at")[:200]
    )


def events_to_challenge() -> list[HeldAchievement]:
    """The achievements AOs uploaded, newest first, for the page's choice."""
    return list(
        HeldAchievement.objects.filter(
            source=HeldAchievement.Source.AWARDING_ORGANISATION
        ).order_by("-updated_at", "-pk")[:500]
    )
