"""Certification (R-RES-2, R-RES-3, R-CRT-4): who gets a certificate, issuing and rendering
them, and releasing the ones held back."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Capability
from audit.services import audit_record
from registrations.models import CourseRun
from registrations.services import registration_update_status
from registrations.validators import RegistrationRecord

from ..models import (
    CourseRunResults,
    Stage,
)
from ..selectors import LearnerRow, learner_outcomes_for
from ..validators import (
    transition_error,
)
from .access import _require_ao
from .dispatch import _history_note
from .state import S, _lock, _reject, _transition

if TYPE_CHECKING:
    from certificates.models import Certificate

# --- certification (R-RES-2, R-RES-3, R-CRT-4) --------------------------------------------------


def certification_candidates(
    rows: Iterable[LearnerRow],
) -> tuple[list[LearnerRow], list[LearnerRow]]:
    """Who certification reaches (R-CRT-4), the one statement of the rule: a learner with
    results who is claiming and not yet certificated is certificated now, unless a query on
    them is open, which holds them back. Returns (to certificate, held back)."""
    to_certificate: list[LearnerRow] = []
    held_back: list[LearnerRow] = []
    for row in rows:
        result = row.result
        if result is None or result.not_claiming or result.results_issued_date is not None:
            continue
        (held_back if result.query_open else to_certificate).append(row)
    return to_certificate, held_back


def _unit_certificate_issue(
    *, course_run: CourseRun, row: LearnerRow, award_date: datetime.date, acting_user: User | None
) -> Certificate:
    """One unit certificate for a learner who achieved units but not the qualification: every
    unit achieved, towards the named qualification, with no qualification grade (R-RES-2)."""
    from certificates.services import certificate_issue, unit_achievement_reference

    registration = row.registration
    qualification = course_run.qualification
    return certificate_issue(
        provider=course_run.provider,
        achievement_reference=unit_achievement_reference(registration.pk),
        learner_name=registration.learner.full_name,
        qualification_number=qualification.number,
        qualification_title=qualification.title,
        units=[
            {"reference": u.reference, "title": u.title, "grade": u.grade.label}
            for u in row.outcome.passed_units
        ],
        grade="",
        award_date=award_date,
        acting_user=acting_user,
        render=False,
    )


def _certificate_learners(
    *, results: CourseRunResults, award_date: datetime.date, acting_user: User | None
) -> tuple[list[int], list[str]]:
    """Issue certificates for the confirmed learners not yet certificated and not held back.
    Returns the certificate ids issued and the names held back."""
    from certificates.services import certificate_issue
    from lrs_sync.achievements import achievements_record_certification

    course_run = results.course_run
    qualification = course_run.qualification
    to_certificate, held_back = certification_candidates(
        learner_outcomes_for(course_run=course_run)
    )
    issued: list[int] = []
    held = [row.registration.learner.full_name for row in held_back]
    for row in to_certificate:
        result = row.result
        assert result is not None
        registration = row.registration
        name = registration.learner.full_name
        outcome = row.outcome
        certificates = []
        if outcome.qualification_achieved:
            certificates.append(
                certificate_issue(
                    provider=course_run.provider,
                    achievement_reference=f"registration:{registration.pk}",
                    learner_name=name,
                    qualification_number=qualification.number,
                    qualification_title=qualification.title,
                    units=[
                        {"reference": u.reference, "title": u.title, "grade": u.grade.label}
                        for u in outcome.passed_units
                    ],
                    grade=outcome.qualification_grade,
                    award_date=award_date,
                    acting_user=acting_user,
                    render=False,
                )
            )
        elif outcome.passed_units:
            certificates.append(
                _unit_certificate_issue(
                    course_run=course_run, row=row, award_date=award_date, acting_user=acting_user
                )
            )
        result.results_issued_date = award_date
        result.qualification_achieved = outcome.qualification_achieved
        result.qualification_grade = outcome.qualification_grade
        if certificates and results.consignment and not results.consignment.is_dispatched:
            # Certificated before the course run's consignment went out: they go with it.
            result.consignment = results.consignment
        result.save(
            update_fields=[
                "results_issued_date",
                "qualification_achieved",
                "qualification_grade",
                "consignment",
            ]
        )
        result.certificates.add(*certificates)
        issued += [c.pk for c in certificates]
        # The LRS records, in the same transaction as the certificates (R-LRS-2, R-RES-3).
        achievements_record_certification(
            learner_result=result, outcome=outcome, award_date=award_date, acting_user=acting_user
        )
        audit_record(
            actor=acting_user,
            action="results.issue",
            target=result,
            after={
                "results_issued_date": award_date,
                "qualification_achieved": outcome.qualification_achieved,
                "qualification_grade": outcome.qualification_grade,
                "certificates": [c.number for c in certificates],
            },
            organisation_id=course_run.provider.organisation_id,
        )
        if certificates:
            # Achieved (the qualification) and Certificate Claimed, with their dates. A learner
            # with unit certificates only has a claim but no qualification achieved date.
            current = RegistrationRecord.of(registration)
            registration_update_status(
                registration=registration,
                proposed=replace(
                    current,
                    status=S.CERTIFICATE_CLAIMED,
                    achieved_date=award_date if outcome.qualification_achieved else None,
                    certificate_claimed_date=award_date,
                ),
                acting_user=acting_user,
            )
    return issued, held


def _render_after(results: CourseRunResults, certificate_ids: list[int], acting_user: User | None):
    from certificates.models import Certificate
    from certificates.services import render_job_create

    if not certificate_ids:
        return
    job = render_job_create(
        provider=results.course_run.provider,
        certificates=Certificate.objects.filter(pk__in=certificate_ids).order_by("pk"),
        acting_user=acting_user,
        batch_key=f"course-run:{results.course_run_id}",
    )
    results.render_job = job
    results.save(update_fields=["render_job"])


@transaction.atomic
def course_run_certificate(
    *,
    course_run: CourseRun,
    acting_user: User | None,
    award_date: datetime.date | None = None,
) -> CourseRunResults:
    """The certification officer approves confirmed results: certificates for learners who
    achieved the qualification, unit certificates for those who achieved units only; learners
    with open queries stay back (R-CRT-4). Results issued date per learner (R-RES-3)."""
    _require_ao(acting_user, Capability.CERTIFICATE)
    results = _lock(course_run)
    problem = transition_error(results.stage, Stage.CERTIFICATED)
    if problem:
        raise _reject("stage", problem, "invalid_transition")
    today = timezone.localdate()
    award_date = award_date or today
    if award_date > today:
        raise _reject("award_date", "The award date cannot be in the future.", "future_date")
    issued, held = _certificate_learners(
        results=results, award_date=award_date, acting_user=acting_user
    )
    results.certificated_on = award_date
    note = f"{len(issued)} certificates issued."
    if held:
        note += " Held back with open queries: " + ", ".join(sorted(held)) + "."
    _transition(results, Stage.CERTIFICATED, acting_user=acting_user, note=note)
    _render_after(results, issued, acting_user)
    return results


@transaction.atomic
def course_run_certificate_released(*, course_run: CourseRun, acting_user: User) -> list[int]:
    """After certification: certificate learners whose held-back query has since been resolved.
    If the course run's consignment has not gone out yet they join it; otherwise they are late
    certificates, sent in a later consignment (`consignment_create(late_course_runs=...)`)."""
    _require_ao(acting_user, Capability.CERTIFICATE)
    results = _lock(course_run)
    if results.stage not in (Stage.CERTIFICATED, Stage.DISPATCHED, Stage.RECEIVED):
        raise _reject(
            "stage", "Certificate the course run first; this is for learners held back.", "stage"
        )
    issued, _held = _certificate_learners(
        results=results, award_date=timezone.localdate(), acting_user=acting_user
    )
    if issued:
        if results.consignment is None or not results.consignment.is_dispatched:
            where = "They go out with the course run's certificates."
        else:
            where = "They are late certificates, to be sent in a later consignment."
        _history_note(
            results,
            acting_user=acting_user,
            note=f"{len(issued)} certificate{'s' if len(issued) != 1 else ''} issued for "
            f"learners whose query was resolved. {where}",
        )
        _render_after(results, issued, acting_user)
    return issued
