"""The sandpit's LearnerService: reads a SOAP request as the LRS would, and answers it.

Every request is checked before anything else: a SOAP 1.1 envelope, `text/xml`, the SOAPAction the
operation names, and the body valid against the portal's LRS XSD; then the organisation's
credentials. Anything wrong is answered with a SOAP fault carrying a MIAPAPIException, never HTML.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from lxml import etree

from lrs_sync.soap import (
    NS_REPORTMSG,
    NS_VLDMSG,
    SoapFault,
    SoapMessageError,
    body_payload,
    child,
    contract_errors,
    envelope,
    fault_envelope,
    text_of,
    texts_of,
)

from .matching import LearnerQuery, MatchResult, match_learner, match_learners, register_for
from .models import SandpitAccount, VerifyBatchJob
from .services import sandpit_account_ensure
from .soap_endpoint import SoapAnswer

# The sandpit's fault codes. WSEC0001 (badly formed request) is the LRS's own; the LRS does not
# publish the others, so these are the sandpit's (decision 0100).
BADLY_FORMED_REQUEST = "WSEC0001"
CREDENTIALS_REFUSED = "WSEC0002"
JOB_NOT_FOUND = "WSEC0003"
SERVER_ERROR = "WSEC0009"

SOAP_ACTIONS = {
    "VerifyLearner": "http://tempuri.org/LearnerPortType/verifyLearner",
    "SubmitVerifyBatch": "",
    "GetVerifyBatchOutput": "",
}
OPERATION_NAMESPACES = {
    "VerifyLearner": NS_REPORTMSG,
    "SubmitVerifyBatch": NS_VLDMSG,
    "GetVerifyBatchOutput": NS_VLDMSG,
}

JOB_STATUS_QUEUED = "Queued"
JOB_STATUS_COMPLETED = "Completed"


class _Refusal(Exception):
    def __init__(self, error_code: str, description: str, *, faultcode: str = "s:Client") -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.faultcode = faultcode


def _fault(refusal: _Refusal) -> SoapAnswer:
    fault = SoapFault(
        faultcode=refusal.faultcode,
        faultstring=refusal.description,
        error_code=refusal.error_code,
        error_actor="LRS sandpit LearnerService",
        description=refusal.description,
        error_timestamp=timezone.now().isoformat(timespec="seconds"),
    )
    return SoapAnswer(status=500, content=fault_envelope(fault))


def server_fault() -> SoapAnswer:
    """The answer when the sandpit itself failed: a soap:Server fault, as WCF sends."""
    return _fault(
        _Refusal(
            SERVER_ERROR,
            "The service could not process the request. Try again later.",
            faultcode="s:Server",
        )
    )


def learner_service(message: bytes, *, content_type: str, soap_action: str | None) -> SoapAnswer:
    """Answers one POST to LearnerService.svc."""
    try:
        payload = _checked_payload(message, content_type=content_type, soap_action=soap_action)
        account = _account(payload)
        operation = etree.QName(payload).localname
        if operation == "VerifyLearner":
            answer = _verify_learner(payload)
        elif operation == "SubmitVerifyBatch":
            answer = _submit_verify_batch(payload, account)
        else:
            answer = _get_verify_batch_output(payload, account)
    except _Refusal as refusal:
        return _fault(refusal)
    return SoapAnswer(status=200, content=envelope(answer))


def _checked_payload(
    message: bytes, *, content_type: str, soap_action: str | None
) -> etree._Element:
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != "text/xml":
        raise _Refusal(
            BADLY_FORMED_REQUEST,
            f"SOAP 1.1 requests are sent as text/xml, not {media_type or 'nothing'}.",
        )
    try:
        payload = body_payload(message)
    except SoapMessageError as error:
        raise _Refusal(BADLY_FORMED_REQUEST, str(error)) from None
    qname = etree.QName(payload)
    operation = qname.localname
    if OPERATION_NAMESPACES.get(operation) != qname.namespace:
        raise _Refusal(BADLY_FORMED_REQUEST, f"LearnerService has no operation {qname.text}.")
    expected_action = SOAP_ACTIONS[operation]
    if soap_action is None or soap_action.strip().strip('"') != expected_action:
        raise _Refusal(
            BADLY_FORMED_REQUEST,
            f'{operation} is sent with SOAPAction "{expected_action}", not {soap_action!r}.',
        )
    errors = contract_errors(payload)
    if errors:
        raise _Refusal(
            BADLY_FORMED_REQUEST, f"The request does not match the contract: {errors[0]}"
        )
    return payload


def _account_bootstrap() -> None:
    """An empty sandpit accepts the organisation this machine's LRS settings name.

    The account normally comes from a migration or `seed_register`; a test database flushed by a
    transactional test loses it, so the sandpit sets it up again rather than refuse everyone.
    """
    if SandpitAccount.objects.exists() or not settings.LRS_ORGANISATION_REF:
        return
    sandpit_account_ensure(
        organisation_ref=settings.LRS_ORGANISATION_REF,
        ukprn=settings.LRS_UKPRN,
        user_name=settings.LRS_USERNAME,
        password=settings.LRS_PASSWORD,
    )


def _account(payload: etree._Element) -> SandpitAccount:
    _account_bootstrap()
    organisation_ref = text_of(payload, "OrganisationRef")
    account = SandpitAccount.objects.filter(organisation_ref=organisation_ref).first()
    ukprn = text_of(payload, "UKPRN")
    if (
        account is None
        or not account.accepts(
            user_name=text_of(payload, "UserName"), password=text_of(payload, "OrgPassword")
        )
        or (account.ukprn and ukprn and ukprn != account.ukprn)
    ):
        raise _Refusal(
            CREDENTIALS_REFUSED,
            "The organisation reference, user name or password was not recognised.",
        )
    return account


def _query(element: etree._Element) -> LearnerQuery:
    fields = texts_of(element)
    return LearnerQuery(
        uln=fields.get("ULN", ""),
        given_name=fields.get("GivenName", ""),
        family_name=fields.get("FamilyName", ""),
        date_of_birth=fields.get("DateOfBirth", "")[:10],
        gender=fields.get("Gender", ""),
    )


def _outcome(result: MatchResult) -> dict:
    """A match result as kept on a job (JSON), and as every answer is written from."""
    held = result.answered
    return {
        "response_code": result.response_code,
        "answered": (
            None
            if held is None
            else {
                "uln": held.uln,
                "given_name": held.given_name,
                "family_name": held.family_name,
                "date_of_birth": held.date_of_birth.isoformat(),
                "gender": held.gender,
            }
        ),
        "failure_flags": list(result.failure_flags),
    }


def _verify_learner(payload: etree._Element) -> etree._Element:
    learner = payload.find("LearnerToVerify")
    assert learner is not None  # the XSD requires it
    query = _query(learner)
    result = match_learner(query, register_for([query.uln]).get(query.uln))
    answer = etree.Element(f"{{{NS_REPORTMSG}}}VerifyLearnerResponse", nsmap={"rpt": NS_REPORTMSG})
    _answer_learner(child(answer, "VerifiedLearner"), query, _outcome(result))
    return answer


def _submit_verify_batch(payload: etree._Element, account: SandpitAccount) -> etree._Element:
    learners = payload.findall("Learner")
    declared = int(text_of(payload, "LearnerRecordCount"))
    if declared != len(learners):
        raise _Refusal(
            BADLY_FORMED_REQUEST,
            f"LearnerRecordCount says {declared} learners but the batch holds {len(learners)}.",
        )
    records = [
        {"mis_identifier": texts_of(element).get("MISIdentifier", ""), **_query(element).__dict__}
        for element in learners
    ]
    delay = float(getattr(settings, "LRS_SANDPIT_BATCH_DELAY_SECONDS", 2.0))
    job = VerifyBatchJob.objects.create(
        account=account,
        org_email=text_of(payload, "OrgEmail"),
        learner_count=len(records),
        learners=records,
        ready_after=timezone.now() + datetime.timedelta(seconds=delay),
    )
    answer = etree.Element(f"{{{NS_VLDMSG}}}SubmitVerifyBatchResponse", nsmap={"vld": NS_VLDMSG})
    child(answer, "ResponseCode", "WSRC0000")
    child(answer, "JobID", str(job.pk))
    return answer


def verify_batch_job_process(job_id: int) -> None:
    """Matches every learner of a queued job against the register and keeps the answers."""
    with transaction.atomic():
        job = VerifyBatchJob.objects.select_for_update().get(pk=job_id)
        if job.status == VerifyBatchJob.Status.COMPLETED:
            return
        job.started_at = timezone.now()
        records = job.learners
        fields = LearnerQuery.__dataclass_fields__
        queries = [
            LearnerQuery(**{key: value for key, value in record.items() if key in fields})
            for record in records
        ]
        results = match_learners(queries, register_for(query.uln for query in queries))
        job.results = [_outcome(result) for result in results]
        job.status = VerifyBatchJob.Status.COMPLETED
        job.finished_at = timezone.now()
        job.save(update_fields=["started_at", "results", "status", "finished_at"])


def _get_verify_batch_output(payload: etree._Element, account: SandpitAccount) -> etree._Element:
    job_id = int(text_of(payload, "JobID"))
    job = VerifyBatchJob.objects.filter(pk=job_id, account=account).first()
    if job is None:
        raise _Refusal(
            JOB_NOT_FOUND, f"There is no verification job {job_id} for this organisation."
        )
    # The LRS works through a batch in its own time; the sandpit does it on the first request
    # after the job's delay, so a batch completes whether or not a worker is running.
    if job.status != VerifyBatchJob.Status.COMPLETED and timezone.now() >= job.ready_after:
        verify_batch_job_process(job.pk)
        job.refresh_from_db()
    answer = etree.Element(f"{{{NS_VLDMSG}}}GetVerifyBatchOutputResponse", nsmap={"vld": NS_VLDMSG})
    if job.status != VerifyBatchJob.Status.COMPLETED:
        child(answer, "JobStatus", JOB_STATUS_QUEUED)
        return answer
    child(answer, "JobStatus", JOB_STATUS_COMPLETED)
    child(
        answer,
        "JobStartedDateTime",
        job.started_at.isoformat(timespec="seconds") if job.started_at else "",
    )
    child(
        answer,
        "JobFinishedDateTime",
        job.finished_at.isoformat(timespec="seconds") if job.finished_at else "",
    )
    for record, outcome in zip(job.learners, job.results or [], strict=True):
        element = child(answer, "VerifiedLearner")
        child(element, "MISIdentifier", record["mis_identifier"])
        query = LearnerQuery(
            uln=record["uln"],
            given_name=record["given_name"],
            family_name=record["family_name"],
            date_of_birth=record["date_of_birth"],
            gender=record["gender"],
        )
        _answer_learner(element, query, outcome)
    return answer


def _answer_learner(parent: etree._Element, query: LearnerQuery, outcome: dict) -> None:
    child(parent, "SearchedULN", query.uln)
    child(parent, "SearchedFamilyName", query.family_name)
    child(parent, "SearchedGivenName", query.given_name)
    child(parent, "SearchedDateOfBirth", query.date_of_birth)
    child(parent, "SearchedGender", query.gender)
    child(parent, "ResponseCode", outcome["response_code"])
    held = outcome["answered"]
    if held:
        child(parent, "ULN", held["uln"])
        child(parent, "FamilyName", held["family_name"])
        child(parent, "GivenName", held["given_name"])
        child(parent, "DateOfBirth", held["date_of_birth"])
        child(parent, "Gender", held["gender"])
    for flag in outcome["failure_flags"]:
        child(parent, "FailureFlag", flag)
