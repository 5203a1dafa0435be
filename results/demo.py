"""Demo results: course runs at every stage, from draft to certificates received, including one
whose receipt confirmation is overdue (issue 6 item 9).

Each demo course run is driven through the real services by the demo accounts (lucy.evans enters
and submits, priya.shah verifies, grace.lin certificates and dispatches, sam.patel confirms
receipt). Idempotent: a course run that already exists is left as it is."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.demo import DemoReport
from accounts.models import User
from learners.models import Learner
from providers.models import Provider
from qualifications.models import Grade, Qualification
from registrations.demo import _learner
from registrations.models import CourseRun, Registration, RegistrationStatus
from registrations.services import course_run_create, registration_create
from registrations.validators import RegistrationRecord

from . import services
from .models import Consignment, CourseRunResults, LearnerResult, Stage
from .validators import LearnerEntry

FOOD_SAFETY = "601/2977/3"
HEALTH_AND_SOCIAL_CARE = "500/7911/6"
# The order in which a course run moves; a demo course run stops at its stage.
ORDER = (
    Stage.DRAFT,
    Stage.SUBMITTED,
    Stage.QUERIED,
    Stage.CONFIRMED,
    Stage.CERTIFICATED,
    Stage.DISPATCHED,
    Stage.RECEIVED,
)


@dataclass(frozen=True)
class DemoRun:
    programme: str
    centre_number: str
    qualification: str
    stage: str
    first_learner: int  # index for demo ULNs, clear of the registrations demo's learners
    learners: int = 3
    enter_results: bool = True
    dispatched_days_ago: int = 4
    # The first learner is held back by a query, certificated after the dispatch and sent as
    # late certificates in a later consignment, whose receipt is still to confirm (R-CRT-4).
    late_certificates: bool = False
    # Queried, corrected by the centre and resubmitted with a reply: the verifier sees the reply
    # and what changed since the query (issue 14 item 6).
    replied: bool = False


DEMO_RUNS = (
    # The browser test walks this one through every stage: registered, nothing entered yet.
    DemoRun("Food Safety results walk-through", "10042", FOOD_SAFETY, Stage.DRAFT, 100, 2, False),
    DemoRun("Care results: draft", "10042", HEALTH_AND_SOCIAL_CARE, Stage.DRAFT, 110),
    DemoRun("Care results: submitted", "10042", HEALTH_AND_SOCIAL_CARE, Stage.SUBMITTED, 120),
    DemoRun("Care results: queried", "10042", HEALTH_AND_SOCIAL_CARE, Stage.QUERIED, 130),
    DemoRun(
        "Care results: resubmitted with a reply",
        "10042",
        HEALTH_AND_SOCIAL_CARE,
        Stage.SUBMITTED,
        200,
        replied=True,
    ),
    DemoRun("Care results: confirmed", "10042", HEALTH_AND_SOCIAL_CARE, Stage.CONFIRMED, 140),
    DemoRun("Care results: certificated", "10042", HEALTH_AND_SOCIAL_CARE, Stage.CERTIFICATED, 150),
    DemoRun("Care results: received", "10042", HEALTH_AND_SOCIAL_CARE, Stage.RECEIVED, 160),
    DemoRun(
        "Care results: receipt overdue",
        "20117",
        HEALTH_AND_SOCIAL_CARE,
        Stage.DISPATCHED,
        170,
        dispatched_days_ago=25,
    ),
    DemoRun("Food Safety results: dispatched", "30256", FOOD_SAFETY, Stage.DISPATCHED, 180),
    DemoRun(
        "Care results: held back by a query",
        "20117",
        HEALTH_AND_SOCIAL_CARE,
        Stage.RECEIVED,
        190,
        dispatched_days_ago=12,
        late_certificates=True,
    ),
)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _course_run(spec: DemoRun, provider: Provider, report: DemoReport) -> CourseRun:
    qualification = Qualification.objects.get(number=spec.qualification)
    start = timezone.localdate() - datetime.timedelta(days=240)
    course_run = course_run_create(
        provider=provider,
        qualification=qualification,
        start_date=start,
        planned_achievement_date=start + datetime.timedelta(days=200),
        programme_name=spec.programme,
        primary_tutor="Marcus Reid",
        acting_user=None,
    )
    report.created.append(f"course run {spec.programme}")
    for index in range(spec.first_learner, spec.first_learner + spec.learners):
        learner: Learner = _learner(provider, index, report)
        registration_create(
            learner=learner,
            course_run=course_run,
            acting_user=None,
            record=RegistrationRecord(
                status=RegistrationStatus.REGISTERED,
                registration_date=start + datetime.timedelta(days=7),
            ),
        )
    return course_run


def _entries(course_run: CourseRun) -> list[LearnerEntry]:
    """First learner achieves, second passes one unit only, third is not claiming this time."""
    units = list(
        course_run.qualification.unit_memberships.select_related("unit").order_by(
            "-mandatory", "unit__reference"
        )
    )

    def grade(unit_index: int, code: str) -> tuple[int, int]:
        unit = units[unit_index].unit
        return unit.pk, Grade.objects.get(scheme_id=unit.grading_scheme_id, code=code).pk

    registrations = list(
        Registration.objects.filter(course_run=course_run).order_by("learner__uln", "pk")
    )
    if len(units) == 1:
        plans = [dict([grade(0, "P")]), dict([grade(0, "F")])]
    else:
        plans = [
            dict([grade(0, "D"), grade(1, "M"), grade(2, "P")]),
            dict([grade(0, "P"), grade(1, "F")]),
        ]
    entries = []
    for registration, plan in zip(registrations, plans, strict=False):
        entries.append(
            LearnerEntry(
                registration_id=registration.pk,
                grades=plan,
                assessor_name="Marcus Reid",
                internal_verifier_name="Dr Helen Carter",
                decision_reason="All assessment criteria met; evidence sampled by the IV",
            )
        )
    for registration in registrations[len(plans) :]:
        entries.append(LearnerEntry(registration_id=registration.pk, not_claiming=True))
    return entries


def _query_and_reply(course_run: CourseRun, *, verifier: User, provider_user: User | None) -> None:
    """The verifier queries the second learner; the centre corrects them and replies."""
    second = LearnerResult.objects.filter(registration__course_run=course_run).order_by(
        "registration__learner__uln", "pk"
    )[1]
    services.course_run_query(
        course_run=course_run,
        note="Unit H/500/1002: the assessment decision reason does not say what was observed.",
        learner_result_ids=[second.pk],
        acting_user=verifier,
    )
    services.results_draft_save(
        course_run=course_run,
        entries=[
            LearnerEntry(
                registration_id=second.registration_id,
                decision_reason="Observed caring for a client on 12/05; witness statement filed",
            )
        ],
        acting_user=provider_user,
    )
    services.course_run_submit(
        course_run=course_run,
        acting_user=provider_user,
        reply="The decision reason now records the observation and the witness statement.",
    )


def _drive(spec: DemoRun, course_run: CourseRun) -> None:
    """Take the course run to its stage through the services, as the demo people would."""
    lucy, priya, grace, sam = (
        _user(n) for n in ("lucy.evans", "priya.shah", "grace.lin", "sam.patel")
    )
    provider_user = lucy if course_run.provider.centre_number == "10042" else None
    receipt_user = sam if course_run.provider.centre_number == "10042" else None
    reached = ORDER.index(Stage(spec.stage))
    if spec.enter_results:
        services.results_draft_save(
            course_run=course_run, entries=_entries(course_run), acting_user=provider_user
        )
    if reached < 1 or priya is None or grace is None:
        return
    results = services.course_run_submit(course_run=course_run, acting_user=provider_user)
    if results.verifier_id != priya.pk:
        services.verifier_assign(course_run=course_run, verifier=priya, acting_user=priya)
    if spec.replied:
        _query_and_reply(course_run, verifier=priya, provider_user=provider_user)
    if spec.stage == Stage.SUBMITTED:
        return
    held: list[LearnerResult] = []
    if spec.late_certificates:
        held = [
            LearnerResult.objects.filter(registration__course_run=course_run).order_by(
                "registration__learner__uln", "pk"
            )[0]
        ]
        services.course_run_query(
            course_run=course_run,
            note="Unit H/500/1001: the witness statement is missing. Please send it.",
            learner_result_ids=[held[0].pk],
            acting_user=priya,
        )
        services.course_run_submit(course_run=course_run, acting_user=provider_user)
    elif spec.stage == Stage.QUERIED or spec.stage == Stage.RECEIVED:
        second = LearnerResult.objects.filter(registration__course_run=course_run).order_by(
            "registration__learner__uln", "pk"
        )[1]
        services.course_run_query(
            course_run=course_run,
            note="Unit H/500/1002: the observation record is unsigned. Please check the grade.",
            learner_result_ids=[second.pk],
            acting_user=priya,
        )
        if spec.stage == Stage.QUERIED:
            return
        services.course_run_submit(course_run=course_run, acting_user=provider_user)
    services.course_run_confirm(
        course_run=course_run, acting_user=priya, hold_back_ids=[r.pk for r in held]
    )
    if spec.stage == Stage.CONFIRMED:
        return
    today = timezone.localdate()
    dispatched_on = today - datetime.timedelta(days=spec.dispatched_days_ago)
    services.course_run_certificate(
        course_run=course_run,
        acting_user=grace,
        award_date=dispatched_on - datetime.timedelta(days=2),
    )
    if spec.stage == Stage.CERTIFICATED:
        return
    consignment = services.consignment_create(
        provider=course_run.provider, course_runs=[course_run], acting_user=grace
    )
    services.consignment_dispatch(
        consignment=consignment,
        carrier=Consignment.Carrier.ROYAL_MAIL,
        tracking_reference=f"RM{course_run.pk:06d}9GB",
        dispatched_on=dispatched_on,
        acting_user=grace,
    )
    if spec.stage == Stage.DISPATCHED:
        return
    services.course_run_receipt_confirm(
        course_run=course_run,
        received_date=dispatched_on + datetime.timedelta(days=2),
        note="All certificates present.",
        acting_user=receipt_user,
    )
    if held:
        services.learner_query_resolve(learner_result=held[0], acting_user=priya)
        services.course_run_certificate_released(course_run=course_run, acting_user=grace)
        late = services.consignment_create(
            provider=course_run.provider,
            course_runs=[],
            late_course_runs=[course_run],
            acting_user=grace,
        )
        services.consignment_dispatch(
            consignment=late,
            carrier=Consignment.Carrier.ROYAL_MAIL,
            tracking_reference=f"RM{course_run.pk:06d}8GB",
            dispatched_on=today,
            acting_user=grace,
        )


def _render_now(course_run: CourseRun) -> None:
    """Render the demo certificates here rather than waiting for a worker, so the demo's
    e-certificates and render jobs are complete as soon as `seed_demo` finishes."""
    from certificates.models import RenderJob
    from certificates.services import certificates_render, render_job_progress

    # One job at certification, and one more for certificates issued later (held back).
    for job in RenderJob.objects.filter(batch_key=f"course-run:{course_run.pk}").order_by("pk"):
        certificates_render(certificate_ids=list(job.certificates.values_list("pk", flat=True)))
        render_job_progress(job_id=job.pk)


@transaction.atomic
def seed(report: DemoReport) -> None:
    described = []
    for spec in DEMO_RUNS:
        provider = Provider.objects.select_related("organisation").get(
            centre_number=spec.centre_number
        )
        course_run = CourseRun.objects.filter(
            provider=provider, programme_name=spec.programme
        ).first()
        if course_run is None:
            course_run = _course_run(spec, provider, report)
            _drive(spec, course_run)
            _render_now(course_run)
        results = CourseRunResults.objects.filter(course_run=course_run).first()
        described.append(
            {
                "course_run": spec.programme,
                "course_run_id": course_run.pk,
                "centre_number": spec.centre_number,
                "stage": results.stage if results else Stage.DRAFT,
            }
        )
    report.document["results"] = described
