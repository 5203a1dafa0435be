"""Reads of results, scoped to the signed-in user (R-ACC-6): the grid, outcomes, queues, the
administration page and the Certificate Receipt Pending report."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from awards_portal.working_days import working_day_add, working_days_between
from qualifications.models import Grade, QualificationUnit
from qualifications.selectors import rules_of_combination_for
from registrations.models import CourseRun, Registration, RegistrationStatus
from registrations.selectors import course_runs_visible_to

from .models import (
    Consignment,
    CourseRunResults,
    LateCertificates,
    LearnerResult,
    ResultsImport,
    Stage,
)
from .retention import latest_date_due_for_deletion
from .validators import (
    GradeOption,
    ImportFacts,
    ImportUnit,
    LearnerOutcome,
    UnitGrade,
    learner_outcome,
)

S = RegistrationStatus
# Registrations that take part in results: registered (with a number) and onwards.
RESULTS_STATUSES = (
    S.REGISTERED,
    S.ACHIEVED,
    S.CERTIFICATE_CLAIMED,
    S.CERTIFICATE_SENT,
    S.CERTIFICATE_RECEIVED,
)


def _option(grade: Grade) -> GradeOption:
    return GradeOption(
        pk=grade.pk,
        code=grade.code,
        label=grade.label,
        is_pass=grade.is_pass,
        position=grade.position,
        points=grade.points,
        qualification_threshold=grade.qualification_threshold,
    )


@dataclass(frozen=True)
class UnitColumn:
    unit_id: int
    reference: str
    title: str
    credits: int
    mandatory: bool
    grades: tuple[GradeOption, ...]

    @property
    def grade_ids(self) -> frozenset[int]:
        return frozenset(g.pk for g in self.grades)


@dataclass(frozen=True)
class ResultsGrid:
    units: tuple[UnitColumn, ...]
    qualification_grades: tuple[GradeOption, ...]


def results_grid_for(*, course_run: CourseRun) -> ResultsGrid:
    """The qualification's units (mandatory first) with the grades each unit's scheme allows."""
    memberships = list(
        QualificationUnit.objects.filter(qualification_id=course_run.qualification_id)
        .select_related("unit")
        .order_by("-mandatory", "unit__reference")
    )
    scheme_ids = {m.unit.grading_scheme_id for m in memberships} | {
        course_run.qualification.grading_scheme_id
    }
    grades_by_scheme: dict[int, list[GradeOption]] = {}
    for grade in Grade.objects.filter(scheme_id__in=scheme_ids).order_by("scheme_id", "position"):
        grades_by_scheme.setdefault(grade.scheme_id, []).append(_option(grade))
    return ResultsGrid(
        units=tuple(
            UnitColumn(
                unit_id=m.unit_id,
                reference=m.unit.reference,
                title=m.unit.title,
                credits=m.unit.credit_value,
                mandatory=m.mandatory,
                grades=tuple(grades_by_scheme.get(m.unit.grading_scheme_id, [])),
            )
            for m in memberships
        ),
        qualification_grades=tuple(
            grades_by_scheme.get(course_run.qualification.grading_scheme_id, [])
        ),
    )


@dataclass
class LearnerRow:
    registration: Registration
    result: LearnerResult | None
    grades: dict[int, int]  # unit pk -> grade pk
    outcome: LearnerOutcome

    @property
    def summary(self) -> str:
        """What the pages show: the outcome as worked out from the grades, except that once
        results are issued an achieved qualification shows the grade recorded, which a grade
        correction of a General qualification changes on its own (decision 0160)."""
        recorded = self.result.qualification_grade if self.result else ""
        if (
            recorded
            and self.result is not None
            and self.result.results_issued_date is not None
            and self.outcome.qualification_achieved
        ):
            return f"Qualification achieved: {recorded}"
        return self.outcome.summary


def learner_outcomes_for(*, course_run: CourseRun) -> list[LearnerRow]:
    """Every registered learner with their grades and outcome, computed by the same rules the
    certification uses (R-RES-2)."""
    grid = results_grid_for(course_run=course_run)
    rules = rules_of_combination_for(qualification=course_run.qualification)
    columns = {c.unit_id: c for c in grid.units}
    registrations = list(
        Registration.objects.filter(
            course_run=course_run, voided_at__isnull=True, status__in=RESULTS_STATUSES
        )
        .select_related("learner", "result")
        .prefetch_related("result__unit_results", "result__certificates")
        .order_by("learner__family_name", "learner__given_name", "pk")
    )
    rows = []
    for registration in registrations:
        result = getattr(registration, "result", None)
        grades = {u.unit_id: u.grade_id for u in result.unit_results.all()} if result else {}
        unit_grades = []
        for unit_id, grade_id in grades.items():
            column = columns.get(unit_id)
            if column is None:
                continue
            option = next((g for g in column.grades if g.pk == grade_id), None)
            if option is not None:
                unit_grades.append(UnitGrade(column.reference, column.title, option))
        outcome = learner_outcome(
            rules=rules,
            unit_grades=unit_grades,
            not_claiming=bool(result and result.not_claiming),
            qualification_grades=grid.qualification_grades,
        )
        rows.append(LearnerRow(registration, result, grades, outcome))
    return rows


def import_facts_for(*, course_run: CourseRun) -> ImportFacts:
    """What a results CSV is checked against, gathered in three queries."""
    registrations = list(
        Registration.objects.filter(
            course_run=course_run, voided_at__isnull=True, status__in=RESULTS_STATUSES
        ).select_related("learner")
    )
    grid = results_grid_for(course_run=course_run)
    units = {}
    for column in grid.units:
        lookup: dict[str, int] = {}
        for grade in column.grades:
            lookup[grade.label.casefold()] = grade.pk
            lookup[grade.code.upper()] = grade.pk
        units[column.reference.replace(" ", "").upper()] = ImportUnit(
            column.unit_id,
            column.reference,
            lookup,
            ", ".join(f"{grade.code} ({grade.label})" for grade in column.grades),
        )
    return ImportFacts(
        by_registration_number={
            r.registration_number.upper(): r.pk for r in registrations if r.registration_number
        },
        by_uln={r.learner.uln: r.pk for r in registrations if r.learner.uln},
        names={r.pk: r.learner.full_name for r in registrations},
        units=units,
    )


def results_of(*, course_run: CourseRun) -> CourseRunResults | None:
    return (
        CourseRunResults.objects.select_related("verifier", "consignment", "render_job")
        .filter(course_run=course_run)
        .first()
    )


def stage_of(course_run: CourseRun) -> str:
    results = getattr(course_run, "results", None)
    return results.stage if results is not None else Stage.DRAFT


# --- queues ---------------------------------------------------------------------------------


def results_visible_to(*, user: User) -> QuerySet[CourseRunResults]:
    results = CourseRunResults.objects.select_related(
        "course_run__provider__organisation", "course_run__qualification", "verifier", "consignment"
    )
    if user.is_ao_staff:
        return results
    return results.filter(course_run__provider__organisation_id=user.organisation_id)


def verification_queue(*, user: User, everyone: bool = False) -> QuerySet[CourseRunResults]:
    """Submitted course runs assigned to this verifier (or every submitted one)."""
    queue = results_visible_to(user=user).filter(stage=Stage.SUBMITTED)
    if not everyone:
        queue = queue.filter(verifier=user)
    return queue.order_by("submitted_at", "pk")


def certification_queue(*, user: User) -> QuerySet[CourseRunResults]:
    return (
        results_visible_to(user=user).filter(stage=Stage.CONFIRMED).order_by("confirmed_at", "pk")
    )


def dispatch_candidates(*, user: User) -> QuerySet[CourseRunResults]:
    """Certificated course runs not yet in a consignment, grouped by provider in the page."""
    return (
        results_visible_to(user=user)
        .filter(stage=Stage.CERTIFICATED, consignment__isnull=True)
        .order_by("course_run__provider__organisation__name", "certificated_on", "pk")
    )


def late_learner_results_for(*, course_run: CourseRun) -> QuerySet[LearnerResult]:
    """Learners of the course run with certificates issued (still Certificate Claimed) that are in
    no consignment yet. Once the course run has been dispatched these are its late certificates:
    learners held back by a query and certificated afterwards (R-CRT-4)."""
    return LearnerResult.objects.filter(
        Exists(LearnerResult.certificates.through.objects.filter(learnerresult_id=OuterRef("pk"))),
        registration__course_run=course_run,
        registration__voided_at__isnull=True,
        registration__status=S.CERTIFICATE_CLAIMED,
        results_issued_date__isnull=False,
        consignment__isnull=True,
    ).select_related("registration__learner")


def late_dispatch_candidates(*, user: User) -> QuerySet[CourseRunResults]:
    """Dispatched (or received) course runs with late certificates waiting for a consignment."""
    waiting = LearnerResult.objects.filter(
        Exists(LearnerResult.certificates.through.objects.filter(learnerresult_id=OuterRef("pk"))),
        registration__course_run_id=OuterRef("course_run_id"),
        registration__voided_at__isnull=True,
        registration__status=S.CERTIFICATE_CLAIMED,
        results_issued_date__isnull=False,
        consignment__isnull=True,
    )
    return (
        results_visible_to(user=user)
        .filter(Exists(waiting), stage__in=(Stage.DISPATCHED, Stage.RECEIVED))
        .order_by("course_run__provider__organisation__name", "course_run__programme_name", "pk")
    )


def late_certificates_visible_to(*, user: User) -> QuerySet[LateCertificates]:
    late = LateCertificates.objects.select_related(
        "consignment", "results__course_run__provider__organisation", "results__course_run"
    )
    if user.is_ao_staff:
        return late
    return late.filter(results__course_run__provider__organisation_id=user.organisation_id)


def late_certificates_of(*, course_run: CourseRun) -> list[LateCertificates]:
    """The course run's late certificates, each with the learners it carries (`learners`)."""
    groups = list(
        LateCertificates.objects.filter(results__course_run=course_run)
        .select_related("consignment")
        .order_by("consignment_id", "pk")
    )
    by_consignment: dict[int, list[LearnerResult]] = {}
    for result in LearnerResult.objects.filter(
        registration__course_run=course_run,
        consignment_id__in=[g.consignment_id for g in groups],
    ).select_related("registration__learner"):
        assert result.consignment_id is not None
        by_consignment.setdefault(result.consignment_id, []).append(result)
    for group in groups:
        group.learners = by_consignment.get(group.consignment_id, [])  # type: ignore[attr-defined]
    return groups


def consignments_visible_to(*, user: User) -> QuerySet[Consignment]:
    consignments = Consignment.objects.select_related("provider__organisation")
    if user.is_ao_staff:
        return consignments
    return consignments.filter(provider__organisation_id=user.organisation_id)


def imports_visible_to(*, user: User) -> QuerySet[ResultsImport]:
    imports = ResultsImport.objects.select_related("course_run__provider", "created_by")
    if user.is_ao_staff:
        return imports.none()  # imports are the provider's own work
    return imports.filter(course_run__provider__organisation_id=user.organisation_id)


def open_queries_for(*, user: User) -> QuerySet[CourseRunResults]:
    """Course runs whose results a verifier has queried, waiting for the centre."""
    return results_visible_to(user=user).filter(stage=Stage.QUERIED).prefetch_related("queries")


# Our decision (0116): a course run is due when its planned achievement date is this close (or
# past) and its results are still a draft, so the centre has time to enter and submit them.
RESULTS_DUE_WITHIN_DAYS = 28


def course_runs_due_with_draft_results(
    *, user: User, today: datetime.date | None = None
) -> QuerySet[CourseRun]:
    """Course runs with registered learners whose planned achievement date is within
    RESULTS_DUE_WITHIN_DAYS (or past) and whose results are not yet submitted."""
    cut_off = (today or timezone.localdate()) + datetime.timedelta(days=RESULTS_DUE_WITHIN_DAYS)
    registered = Registration.objects.filter(
        course_run_id=OuterRef("pk"), voided_at__isnull=True, status__in=RESULTS_STATUSES
    )
    return (
        course_runs_visible_to(user=user)
        .filter(planned_achievement_date__lte=cut_off)
        .filter(Q(results__isnull=True) | Q(results__stage=Stage.DRAFT))
        .filter(Exists(registered))
    )


# --- administration (issue 6 item 7) -------------------------------------------------------


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    count: int


ADMINISTRATION_VIEWS = {
    "due": "course runs due within four weeks (or overdue) with results still in draft",
    "queried": "course runs queried by the verifier",
}


def course_runs_with_stage(*, user: User, show: str = "") -> QuerySet[CourseRun]:
    """Every visible course run with its results stage and learner counts; `show` narrows it to
    one of ADMINISTRATION_VIEWS (what the dashboard counts)."""
    if show == "due":
        course_runs = course_runs_due_with_draft_results(user=user)
    elif show == "queried":
        course_runs = course_runs_visible_to(user=user).filter(results__stage=Stage.QUERIED)
    else:
        course_runs = course_runs_visible_to(user=user)
    return (
        course_runs.select_related("results")
        .annotate(
            registered_count=Count(
                "registrations",
                filter=Q(
                    registrations__voided_at__isnull=True,
                    registrations__status__in=RESULTS_STATUSES,
                ),
                distinct=True,
            ),
            not_claiming_count=Count(
                "registrations",
                filter=Q(
                    registrations__voided_at__isnull=True,
                    registrations__result__not_claiming=True,
                ),
                distinct=True,
            ),
            certificated_count=Count(
                "registrations",
                filter=Q(registrations__result__results_issued_date__isnull=False),
                distinct=True,
            ),
        )
        .order_by("-start_date", "programme_name", "pk")
    )


def stage_counts(course_runs: list[CourseRun]) -> list[StageCount]:
    counts = {stage.value: 0 for stage in Stage}
    for run in course_runs:
        counts[stage_of(run)] += 1
    return [StageCount(s.value, s.label, counts[s.value]) for s in Stage]


# --- Certificate Receipt Pending report (R-CRT-5) -------------------------------------------


@dataclass(frozen=True)
class PendingReceipt:
    """A receipt the provider has still to confirm: a dispatched course run, or late
    certificates of a course run sent in a later consignment (`late` set)."""

    results: CourseRunResults
    consignment: Consignment
    dispatched_on: datetime.date
    deadline: datetime.date
    working_days_left: int  # negative when overdue
    late: LateCertificates | None = None
    late_learners: str = ""

    @property
    def tracking_reference(self) -> str:
        return self.consignment.tracking_reference

    @property
    def description(self) -> str:
        name = self.results.course_run.programme_name
        if not self.late:
            return name
        return (
            f"{name}: late certificates ({self.late_learners})"
            if self.late_learners
            else (f"{name}: late certificates")
        )

    @property
    def receipt_url(self) -> str:
        if self.late is not None:
            return reverse("results:late_receipt", args=[self.late.pk])
        return reverse("results:receipt", args=[self.results.course_run_id])

    @property
    def is_overdue(self) -> bool:
        return self.working_days_left < 0

    @property
    def status_text(self) -> str:
        if self.working_days_left < 0:
            days = -self.working_days_left
            return f"Overdue by {days} working day{'s' if days != 1 else ''}"
        if self.working_days_left == 0:
            return "Due today"
        days = self.working_days_left
        return f"{days} working day{'s' if days != 1 else ''} left"


def receipt_pending(
    *,
    user: User,
    provider_id: int | None = None,
    overdue_only: bool = False,
    today: datetime.date | None = None,
) -> list[PendingReceipt]:
    """Course runs dispatched and not yet confirmed received, and late certificates sent in a
    later consignment and not yet confirmed received, soonest deadline first."""
    from .services import RECEIPT_DEADLINE_WORKING_DAYS

    today = today or timezone.localdate()
    pending = results_visible_to(user=user).filter(
        stage=Stage.DISPATCHED, consignment__dispatched_on__isnull=False
    )
    late_pending = late_certificates_visible_to(user=user).filter(
        received_date__isnull=True, consignment__dispatched_on__isnull=False
    )
    if provider_id is not None:
        pending = pending.filter(course_run__provider_id=provider_id)
        late_pending = late_pending.filter(results__course_run__provider_id=provider_id)
    candidates: list[tuple[CourseRunResults, Consignment, LateCertificates | None]] = []
    for results in pending:
        assert results.consignment is not None
        candidates.append((results, results.consignment, None))
    late_list = list(late_pending.select_related("results__course_run__qualification"))
    names: dict[tuple[int | None, int], list[str]] = {}
    for result in LearnerResult.objects.filter(
        consignment_id__in=[late.consignment_id for late in late_list]
    ).select_related("registration__learner"):
        key = (result.consignment_id, result.registration.course_run_id)
        names.setdefault(key, []).append(result.registration.learner.full_name)
    for group in late_list:
        candidates.append((group.results, group.consignment, group))
    rows = []
    for results, consignment, late in candidates:
        assert consignment.dispatched_on is not None
        dispatched_on = consignment.dispatched_on
        deadline = working_day_add(dispatched_on, RECEIPT_DEADLINE_WORKING_DAYS)
        row = PendingReceipt(
            results=results,
            consignment=consignment,
            dispatched_on=dispatched_on,
            deadline=deadline,
            working_days_left=working_days_between(today, deadline),
            late=late,
            late_learners=", ".join(
                sorted(names.get((late.consignment_id, results.course_run_id), []))
            )
            if late
            else "",
        )
        if overdue_only and not row.is_overdue:
            continue
        rows.append(row)
    rows.sort(key=lambda r: (r.deadline, r.results.course_run.programme_name, r.results.pk))
    return rows


def assessment_records_due_for_deletion(
    *, user: User, today: datetime.date | None = None
) -> QuerySet[LearnerResult]:
    """Learners' assessment records past their retention period (R-CRT-7), dated by when the
    results were issued or, if never issued, last changed. Certificates are never included."""
    cut_off = latest_date_due_for_deletion(today or timezone.localdate())
    records = LearnerResult.objects.select_related(
        "registration__learner",
        "registration__course_run__provider",
        "registration__course_run__qualification",
    ).annotate(record_date=Coalesce("results_issued_date", TruncDate("updated_at")))
    if not user.is_ao_staff:
        records = records.filter(
            registration__course_run__provider__organisation_id=user.organisation_id
        )
    return records.filter(record_date__lte=cut_off).order_by("record_date", "pk")


def active_verifiers() -> QuerySet[User]:
    """The awarding organisation's active verifiers (R-RES-1): whom submitted results go to, and
    whom the review page offers for reassignment."""
    return User.objects.filter(
        organisation__kind="ao", status=User.Status.ACTIVE, roles__contains=[Role.VERIFIER]
    )
