"""The sandpit's ExternalService: it takes achievement batches and processes them with the LRS's
rules (R-LRS-2 to R-LRS-9, R-LRS-12).

A job is Waiting, then InProgress, then Successful or Failed, over a few seconds (settings
LRS_SANDPIT_WAITING_SECONDS and LRS_SANDPIT_PROCESSING_SECONDS). It is processed once, the first
time it is asked about after that time, against the sandpit's register of learners and aims and
the achievements it already holds; the rejected records go in its error file (CSV, decision
0124), and the notification email goes to the batch header's address.
"""

from __future__ import annotations

import csv
import datetime
import io
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from lxml import etree

from lrs_sync.achievement_envelopes import (
    GET_JOB,
    SUBMIT,
    AchievementRow,
    BatchJob,
    DomainFault,
    EnvelopeError,
    body_payload,
    contract_errors,
    envelope,
    fault_envelope,
    job_response,
    read_submit_request,
    soap_action,
    submit_response,
)
from lrs_sync.achievement_rules import EARLIEST_AWARD_DATE, batch_fails_rs005

from .achievement_models import AchievementBatchJob, HeldAchievement, RegisteredAim
from .models import RegisteredLearner, SandpitAccount
from .soap_endpoint import SoapAnswer

NS = "http://api.lrs.qcf.gov.uk/services"
BAD_REQUEST = "REQ001"
CREDENTIALS_REFUSED = "AUTH001"
JOB_NOT_FOUND = "JOB001"
ACTION_REASONS = {"ULNINVALID", "ACHINVALID", "DATINVALID", "SUBINERROR", "BATCHERROR"}
ERROR_FILE_COLUMNS = (
    "RecordNumber",
    "MisIdentifier",
    "Uln",
    "UnitOrQualificationReferenceNumber",
    "AchievementAwardDate",
    "ErrorType",
    "ErrorCode",
    "ErrorDescription",
)
RS005_REASON = (
    "RS005: too many achievement records have been rejected according to the threshold set by "
    "QCF (more than 30%)."
)


class _Refusal(Exception):
    def __init__(self, code: str, text: str, faultcode: str = "s:Client") -> None:
        super().__init__(text)
        self.code, self.text, self.faultcode = code, text, faultcode


def _fault(refusal: _Refusal) -> SoapAnswer:
    return SoapAnswer(
        500,
        fault_envelope(
            DomainFault(
                faultcode=refusal.faultcode,
                faultstring=refusal.text,
                error_code=refusal.code,
                error_detail=refusal.text,
            )
        ),
    )


def external_service(
    message: bytes, *, content_type: str, soap_action_header: str | None
) -> SoapAnswer:
    """Answer one ExternalService request."""
    try:
        if not content_type.startswith("text/xml"):
            raise _Refusal(BAD_REQUEST, "ExternalService takes SOAP 1.1 as text/xml.")
        try:
            payload = body_payload(message)
        except EnvelopeError as error:
            raise _Refusal(BAD_REQUEST, str(error)) from None
        operation = etree.QName(payload).localname
        if etree.QName(payload).namespace != NS or operation not in (SUBMIT, GET_JOB):
            raise _Refusal(BAD_REQUEST, f"ExternalService has no operation {operation}.")
        if (soap_action_header or "").strip('"') != soap_action(operation):
            raise _Refusal(
                BAD_REQUEST, f"The SOAPAction must be {soap_action(operation)} for {operation}."
            )
        errors = contract_errors(payload)
        if errors:
            raise _Refusal(BAD_REQUEST, "The request breaks the contract: " + "; ".join(errors[:3]))
        if operation == SUBMIT:
            return _submit(payload)
        return _get_job(payload)
    except _Refusal as refusal:
        return _fault(refusal)


def _account(payload: etree._Element) -> SandpitAccount:
    user = payload.find(f"{{{NS}}}invokingUser")
    model = "http://api.lrs.qcf.gov.uk/model"

    def text(name: str) -> str:
        return (user.findtext(f"{{{model}}}{name}") if user is not None else "") or ""

    account = SandpitAccount.objects.filter(organisation_ref=text("OrganisationRef")).first()
    if account is None or not account.accepts(
        user_name=text("UserName"), password=text("OrgPassword")
    ):
        raise _Refusal(
            CREDENTIALS_REFUSED,
            "The organisation reference, user name or password was not recognised.",
        )
    return account


def _submit(payload: etree._Element) -> SoapAnswer:
    account = _account(payload)
    _credentials, email, submission_type, rows = read_submit_request(payload)
    if submission_type not in ("Provisional", "Final"):
        raise _Refusal(BAD_REQUEST, "submissionType must be Provisional or Final.")
    if not rows:
        raise _Refusal(BAD_REQUEST, "The batch holds no achievements.")
    if len(rows) > 10_000:
        raise _Refusal(BAD_REQUEST, "A batch holds at most 10,000 achievements (R-LRS-1).")
    user = payload.find(f"{{{NS}}}invokingUser")
    if user is not None:
        payload.remove(user)  # the sandpit keeps no password
    job = AchievementBatchJob.objects.create(
        account=account,
        email_address=email,
        submission_type=submission_type,
        request=etree.tostring(payload),
        record_count=len(rows),
    )
    delay = settings.LRS_SANDPIT_SUBMIT_ANSWER_DELAY
    if delay:
        time.sleep(delay)  # the job is recorded; the answer is slow (fault tests)
    return _answer(submit_response(job_id=job.pk))


def _get_job(payload: etree._Element) -> SoapAnswer:
    account = _account(payload)
    job_id = int(payload.findtext(f"{{{NS}}}jobId") or 0)
    job = AchievementBatchJob.objects.filter(pk=job_id, account=account).first()
    if job is None:
        raise _Refusal(JOB_NOT_FOUND, f"There is no achievement batch job {job_id}.")
    job = job_advance(job)
    answer = BatchJob(
        job_id=job.pk,
        status=job.status,
        error_file=job.error_file,
        filename=f"AchievementBatchErrors_{job.pk}.csv" if job.error_file else "",
        rejection_reason=job.rejection_reason,
        counters=job.counters or {},
        percentage_successful=job.percentage_successful,
        submitted=timezone.localtime(job.submitted_at).date(),
    )
    return _answer(
        job_response(answer, submission_type=job.submission_type, user=account.user_name)
    )


def _answer(payload: etree._Element) -> SoapAnswer:
    """Every answer is checked against the contract too: a sandpit defect is a server fault."""
    errors = contract_errors(payload)
    if errors:
        raise _Refusal(
            "SRV001", "The sandpit's answer breaks the contract: " + errors[0], "s:Server"
        )
    return SoapAnswer(200, envelope(payload))


# --- processing --------------------------------------------------------------------------------


def job_advance(job: AchievementBatchJob, *, now: datetime.datetime | None = None):
    """Where the job stands now: Waiting, InProgress, or processed (once) to its outcome."""
    if job.processed_at is not None:
        return job
    now = now or timezone.now()
    elapsed = (now - job.submitted_at).total_seconds()
    waiting = settings.LRS_SANDPIT_WAITING_SECONDS
    if elapsed < waiting:
        return job
    if elapsed < waiting + settings.LRS_SANDPIT_PROCESSING_SECONDS:
        if job.status != "InProgress":
            AchievementBatchJob.objects.filter(pk=job.pk, processed_at=None).update(
                status="InProgress"
            )
            job.status = "InProgress"
        return job
    with transaction.atomic():
        job = AchievementBatchJob.objects.select_for_update().get(pk=job.pk)
        if job.processed_at is None:
            _process(job, today=timezone.localdate())
    return job


@dataclass(frozen=True)
class Rejection:
    kind: str  # FieldData, LearnerData, BusinessRule
    code: str
    text: str


def _learner_error(row: AchievementRow, learner: RegisteredLearner | None) -> Rejection | None:
    if learner is None:
        return Rejection("LearnerData", "ULN001", f"ULN {row.uln} is not on the LRS.")
    family = {learner.family_name.casefold(), learner.previous_family_name.casefold()} - {""}
    if (
        row.given_name.casefold() != learner.given_name.casefold()
        or row.family_name.casefold() not in family
        or (row.date_of_birth and row.date_of_birth != learner.date_of_birth)
    ):
        return Rejection(
            "LearnerData",
            "LRN001",
            "The given name, family name or date of birth does not match the learner's record.",
        )
    return None


def _rules_error(
    row: AchievementRow,
    aim: RegisteredAim | None,
    held: HeldAchievement | None,
    submission_type: str,
    today: datetime.date,
) -> Rejection | None:
    if not (row.uln and row.aim_reference and row.family_name and row.given_name and row.ukprn):
        return Rejection("FieldData", "FLD001", "A required field is empty.")
    if row.action not in (1, 2, 3, 4):
        return Rejection("FieldData", "FLD001", f"Action {row.action} is not 1, 2, 3 or 4.")
    if row.action in (3, 4) and row.action_reason not in ACTION_REASONS:
        return Rejection("FieldData", "FLD001", "The action reason is not one the LRS lists.")
    if row.action in (3, 4) and (row.action_date is None or row.action_date > today):
        return Rejection("BusinessRule", "DAT001", "The action date must be in the past.")
    if aim is None or aim.ownership == RegisteredAim.Ownership.OTHER:
        return Rejection(
            "BusinessRule",
            "AIM001",
            f"{row.aim_reference} is not owned by or shared with the organisation.",
        )
    if row.action in (1, 2):
        if row.award_date > today or row.award_date < EARLIEST_AWARD_DATE:
            return Rejection(
                "BusinessRule",
                "DAT001",
                "The award date must be in the past and not before 1 September 2006.",
            )
        if row.award_date < aim.operational_start_date or (
            aim.operational_end_date and row.award_date > aim.operational_end_date
        ):
            return Rejection(
                "BusinessRule", "DAT001", "The award date is outside the aim's operational dates."
            )
    existing = held is not None and held.source == HeldAchievement.Source.AWARDING_ORGANISATION
    if row.action == 1 and existing:
        return Rejection("BusinessRule", "ACH001", "This achievement already exists.")
    if row.action in (2, 3, 4) and held is None:
        return Rejection("BusinessRule", "ACH002", "There is no such achievement to change.")
    if row.action in (2, 3) and held is not None and held.withdrawn:
        return Rejection("BusinessRule", "ACH003", "The achievement has been withdrawn.")
    if row.action == 4 and held is not None and not held.withdrawn:
        return Rejection("BusinessRule", "ACH003", "Only a withdrawn achievement is reinstated.")
    return None


def _process(job: AchievementBatchJob, *, today: datetime.date) -> None:
    _credentials, _email, submission_type, rows = read_submit_request(
        etree.fromstring(bytes(job.request))
    )
    learners = {
        learner.uln: learner
        for learner in RegisteredLearner.objects.filter(uln__in={r.uln for r in rows})
    }
    aims = {
        aim.reference.upper(): aim
        for aim in RegisteredAim.objects.filter(
            reference__in={r.aim_reference.upper() for r in rows}
        )
    }
    held = {
        (h.uln, h.award_date, h.aim_reference.upper()): h
        for h in HeldAchievement.objects.filter(uln__in={r.uln for r in rows})
    }
    counters = dict.fromkeys(
        (
            "AchievementsCreated",
            "AchievementsUpdated",
            "AchievementsWithdrawn",
            "AchievementsReinstated",
            "AchievementsPromotedToFinal",
            "FieldDataErrors",
            "LearnerDataErrors",
            "BusinessRuleErrors",
            "SuccessfulFinalAchievements",
            "SuccessfulProvisionalAchievements",
        ),
        0,
    )
    counters["NumberOfRecords"] = len(rows)
    rejections: list[tuple[int, AchievementRow, Rejection]] = []
    to_save: dict[tuple, HeldAchievement] = {}
    for number, row in enumerate(rows, start=1):
        key = (row.uln, row.award_date, row.aim_reference.upper())
        current = to_save.get(key) or held.get(key)
        rejection = _rules_error(
            row, aims.get(key[2]), current, submission_type, today
        ) or _learner_error(row, learners.get(row.uln))
        if rejection is not None:
            rejections.append((number, row, rejection))
            counters[f"{rejection.kind}Errors"] += 1
            continue
        if row.action == 1:
            # R-LRS-12: the AO's record takes the place of a provider's.
            record = current or HeldAchievement(
                uln=row.uln, award_date=row.award_date, aim_reference=row.aim_reference
            )
            record.source = HeldAchievement.Source.AWARDING_ORGANISATION
            record.withdrawn = False
            counters["AchievementsCreated"] += 1
        else:
            assert current is not None
            record = current
            if row.action == 2:
                counters["AchievementsUpdated"] += 1
            elif row.action == 3:
                record.withdrawn = True
                counters["AchievementsWithdrawn"] += 1
            else:
                record.withdrawn = False
                counters["AchievementsReinstated"] += 1
        if row.action in (1, 2):
            if record.submission_type == "Provisional" and submission_type == "Final" and record.pk:
                # R-LRS-2: a Final batch supersedes the provisional result.
                counters["AchievementsPromotedToFinal"] += 1
            record.grade = row.grade
            record.ukprn = row.ukprn
            record.language_for_assessment = row.language_for_assessment
            record.submission_type = submission_type
        if row.action in (3, 4):
            record.action_reason = row.action_reason
        record.job = job
        record.updated_at = timezone.now()
        to_save[key] = record
        counters[f"Successful{submission_type}Achievements"] += 1
    rejected = len(rejections)
    job.percentage_successful = round(100.0 * (len(rows) - rejected) / len(rows), 2)
    job.error_file = _error_file(rejections)
    job.processed_at = timezone.now()
    if batch_fails_rs005(records=len(rows), rejected=rejected):
        # R-LRS-9: the whole batch fails; nothing in it is applied.
        job.status = "Failed"
        job.rejection_reason = RS005_REASON
        for name in counters:
            if name.startswith(("Achievements", "Successful")):
                counters[name] = 0
    else:
        job.status = "Successful"
        new = [r for r in to_save.values() if r.pk is None]
        held_before = [r for r in to_save.values() if r.pk is not None]
        HeldAchievement.objects.bulk_create(new, batch_size=2000)
        HeldAchievement.objects.bulk_update(
            held_before,
            [
                "grade",
                "ukprn",
                "language_for_assessment",
                "submission_type",
                "source",
                "withdrawn",
                "action_reason",
                "job",
                "updated_at",
            ],
            batch_size=500,
        )
    job.counters = counters
    job.save()
    if job.email_address:
        transaction.on_commit(lambda: _notify(job))


def _error_file(rejections: list[tuple[int, AchievementRow, Rejection]]) -> str:
    if not rejections:
        return ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ERROR_FILE_COLUMNS)
    for number, row, rejection in rejections:
        writer.writerow(
            [
                number,
                row.mis_identifier,
                row.uln,
                row.aim_reference,
                row.award_date.isoformat() if row.award_date else "",
                rejection.kind,
                rejection.code,
                rejection.text,
            ]
        )
    return out.getvalue()


def _notify(job: AchievementBatchJob) -> None:
    """The LRS emails the batch header's address when a batch run completes (R-LRS-8)."""
    counters = job.counters or {}
    send_mail(
        subject=f"LRS achievement batch job {job.pk}: {job.status}",
        message=(
            f"Achievement batch job {job.pk} ({job.submission_type}) has completed: "
            f"{job.status}.\n"
            f"Records: {counters.get('NumberOfRecords', job.record_count)}; successful: "
            f"{job.percentage_successful:g}%.\n"
            + (f"{job.rejection_reason}\n" if job.rejection_reason else "")
        ),
        from_email=None,
        recipient_list=[job.email_address],
        fail_silently=True,
    )
