"""A course run ready for results: a Pass/Merit/Distinction qualification of two mandatory and two
optional units (5 credits each, 15 needed), three registered learners, and the people involved."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
import time_machine

from accounts.models import User
from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from learners.tests.factories import LearnerFactory
from qualifications.models import Grade, Qualification, Unit
from qualifications.tests.factories import (
    QualificationFactory,
    QualificationUnitFactory,
    UnitFactory,
)
from registrations.models import CourseRun, Registration, RegistrationStatus
from registrations.tests.factories import CourseRunFactory, RegistrationFactory
from results import services
from results.models import Consignment, CourseRunResults, LearnerResult
from results.tests.factories import pass_merit_distinction
from results.validators import LearnerEntry


@dataclass
class Season:
    course_run: CourseRun
    qualification: Qualification
    units: list[Unit]  # two mandatory, then two optional
    registrations: list[Registration]
    provider_user: User
    verifier: User
    officer: User

    def grade(self, code: str) -> Grade:
        return Grade.objects.get(scheme=self.units[0].grading_scheme, code=code)

    def entry(self, index: int, codes: dict[int, str], **texts: object) -> LearnerEntry:
        """Grades for learner `index`, units by position; assessment records filled in."""
        values: dict[str, object] = {
            "assessor_name": "Ann Assessor",
            "internal_verifier_name": "Ivan Verifier",
            "decision_reason": "Evidence meets every assessment criterion",
        }
        values.update(texts)
        return LearnerEntry(
            registration_id=self.registrations[index].pk,
            grades={self.units[u].pk: self.grade(c).pk for u, c in codes.items()},
            not_claiming=False,
            **values,  # type: ignore[arg-type]
        )

    def state(self) -> CourseRunResults:
        """The course run's results state, fresh from the database."""
        return CourseRunResults.objects.get(course_run=self.course_run)

    def result(self, index: int) -> LearnerResult:
        return LearnerResult.objects.get(registration=self.registrations[index])

    def enter_standard(self) -> None:
        """Learner 0 achieves (M, P, D), learner 1 passes one unit only, learner 2 not claiming."""
        services.results_draft_save(
            course_run=self.course_run,
            entries=[
                self.entry(0, {0: "M", 1: "P", 2: "D"}),
                self.entry(1, {0: "P", 1: "F"}),
                LearnerEntry(registration_id=self.registrations[2].pk, not_claiming=True),
            ],
            acting_user=self.provider_user,
        )

    def to_confirmed(self) -> None:
        self.enter_standard()
        services.course_run_submit(course_run=self.course_run, acting_user=self.provider_user)
        services.course_run_confirm(course_run=self.course_run, acting_user=self.verifier)

    def to_certificated(self, award_date: datetime.date | None = None) -> None:
        self.to_confirmed()
        services.course_run_certificate(
            course_run=self.course_run, acting_user=self.officer, award_date=award_date
        )

    def dispatch(
        self,
        *,
        day: datetime.date,
        tracking: str,
        course_runs: tuple[CourseRun, ...] = (),
        late_course_runs: tuple[CourseRun, ...] = (),
    ) -> Consignment:
        """Put course runs (or late certificates) in a consignment and record its dispatch."""
        with time_machine.travel(day, tick=False):
            consignment = services.consignment_create(
                provider=self.course_run.provider,
                course_runs=course_runs,
                late_course_runs=late_course_runs,
                acting_user=self.officer,
            )
            return services.consignment_dispatch(
                consignment=consignment,
                carrier=Consignment.Carrier.ROYAL_MAIL,
                tracking_reference=tracking,
                dispatched_on=day,
                acting_user=self.officer,
            )

    def dispatched_with_amira_held_back(self) -> Consignment:
        """R-CRT-4: the verifier queries Amira and confirms the rest holding her back; the course
        run is certificated on Monday 2/3/2026 without her and dispatched on Tuesday 3/3/2026
        (tracking RM100000001GB). Returns that consignment."""
        self.enter_standard()
        services.course_run_submit(course_run=self.course_run, acting_user=self.provider_user)
        services.course_run_query(
            course_run=self.course_run,
            note="Check the ID",
            learner_result_ids=[self.result(0).pk],
            acting_user=self.verifier,
        )
        services.course_run_submit(course_run=self.course_run, acting_user=self.provider_user)
        services.course_run_confirm(
            course_run=self.course_run,
            acting_user=self.verifier,
            hold_back_ids=[self.result(0).pk],
        )
        with time_machine.travel(datetime.date(2026, 3, 2), tick=False):
            services.course_run_certificate(course_run=self.course_run, acting_user=self.officer)
        return self.dispatch(
            day=datetime.date(2026, 3, 3),
            tracking="RM100000001GB",
            course_runs=(self.course_run,),
        )

    def release_amira(self, day: datetime.date = datetime.date(2026, 3, 9)) -> list[int]:
        """The verifier resolves Amira's query and the officer issues her certificates."""
        services.learner_query_resolve(learner_result=self.result(0), acting_user=self.verifier)
        with time_machine.travel(day, tick=False):
            return services.course_run_certificate_released(
                course_run=self.course_run, acting_user=self.officer
            )


@pytest.fixture
def season(db) -> Season:
    scheme = pass_merit_distinction()
    qualification = QualificationFactory(grading_scheme=scheme, minimum_credits=15, credit_value=20)
    units = []
    for position in range(4):
        unit = UnitFactory(grading_scheme=scheme, credit_value=5, title=f"Unit {position + 1}")
        QualificationUnitFactory(qualification=qualification, unit=unit, mandatory=position < 2)
        units.append(unit)
    course_run = CourseRunFactory(qualification=qualification, programme_name="Care 2026")
    registrations = []
    for index, name in enumerate(("Amira", "Kwame", "Zoë")):
        learner = LearnerFactory(
            provider=course_run.provider, given_name=name, family_name=f"Learner{index}"
        )
        registrations.append(
            RegistrationFactory(
                course_run=course_run,
                learner=learner,
                status=RegistrationStatus.REGISTERED,
                registration_number=f"R{course_run.pk:04d}{index:04d}",
                registration_date=datetime.date(2025, 9, 10),
            )
        )
    provider_user = UserFactory(
        organisation=course_run.provider.organisation,
        roles=[Role.RESULTS_ENTRY, Role.CERTIFICATE_RECEIPT, Role.DATA_EXPORT],
    )
    verifier = AOStaffFactory(roles=[Role.VERIFIER], username="a.verifier")
    officer = AOStaffFactory(roles=[Role.CERTIFICATION_OFFICER])
    return Season(course_run, qualification, units, registrations, provider_user, verifier, officer)
