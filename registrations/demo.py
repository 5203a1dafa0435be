"""Demo data for the catalogue, learners, course runs and registrations (issue 4 item 9).

Idempotent: every record is looked up by its natural key first, so running `seed_demo` again
changes nothing. Dates are relative to today, so the demo stays current."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.demo import DemoReport
from accounts.models import User
from learners.choices import AbilityStatus, EmploymentStatus, Ethnicity, Gender, PriorAttainment
from learners.models import Learner
from learners.services import learner_create
from learners.validators import uln_check_digit
from providers.models import Provider
from qualifications.models import GradingScheme, LrsType, Qualification, Unit
from qualifications.services import (
    grading_scheme_create,
    provider_approve,
    qualification_create,
    qualification_unit_set,
    unit_create,
)
from qualifications.validators import qualification_check_character

from .models import CourseRun, Registration, RegistrationStatus
from .services import course_run_create, registration_create, registration_number_issue
from .validators import RegistrationRecord

S = RegistrationStatus

GRADING_SCHEMES = {
    "Pass/Fail": [("P", "Pass", True), ("F", "Fail", False)],
    "Pass/Merit/Distinction": [
        ("D", "Distinction", True),
        ("M", "Merit", True),
        ("P", "Pass", True),
        ("F", "Fail", False),
    ],
    "A*-E and U": [
        ("A*", "A*", True),
        ("A", "A", True),
        ("B", "B", True),
        ("C", "C", True),
        ("D", "D", True),
        ("E", "E", True),
        ("U", "U (unclassified)", False),
    ],
}


def _number(seven_digits: str) -> str:
    return f"{seven_digits[:3]}/{seven_digits[3:]}/{qualification_check_character(seven_digits)}"


@dataclass(frozen=True)
class DemoQualification:
    number: str
    title: str
    level: str
    kind: str
    scheme: str
    credits: int
    minimum_credits: int
    units: tuple[tuple[str, str, int, bool], ...]  # reference, title, credits, mandatory


def _lrs_type(spec: DemoQualification) -> str:
    """Decision 0120: the A-level-style mathematics is general (NQF), micro-credentials are not
    uploaded, the rest are unit-based."""
    if spec.kind == Qualification.Type.MICRO_CREDENTIAL:
        return LrsType.NOT_UPLOADED
    if spec.scheme == "A*-E and U":
        return LrsType.GENERAL
    return LrsType.UNIT_BASED


DEMO_QUALIFICATIONS = (
    DemoQualification(
        "601/2977/3",
        "Level 2 Award in Food Safety in Catering",
        "2",
        Qualification.Type.REGULATED,
        "Pass/Fail",
        1,
        1,
        (("F/601/4001", "Food safety principles", 1, True),),
    ),
    DemoQualification(
        "500/7911/6",
        "Level 3 Diploma in Health and Social Care",
        "3",
        Qualification.Type.REGULATED,
        "Pass/Merit/Distinction",
        60,
        58,
        (
            ("H/500/1001", "Promote communication in care settings", 20, True),
            ("H/500/1002", "Safeguarding and protection in care settings", 20, True),
            ("H/500/1003", "Understand mental health", 18, False),
            ("H/500/1004", "Understand dementia care", 18, False),
        ),
    ),
    DemoQualification(
        _number("6031234"),
        "Level 3 Certificate in Mathematical Studies",
        "3",
        Qualification.Type.REGULATED,
        "A*-E and U",
        30,
        30,
        (("M/603/1001", "Mathematical modelling", 30, True),),
    ),
    DemoQualification(
        _number("6100001"),
        "Digital Skills Essentials",
        "1",
        Qualification.Type.MICRO_CREDENTIAL,
        "Pass/Fail",
        3,
        3,
        (
            ("D/610/0001", "Staying safe online", 1, True),
            ("D/610/0002", "Using cloud documents", 2, True),
        ),
    ),
)

# Centre number -> qualification numbers it is approved for.
APPROVALS = {
    "10042": ("601/2977/3", "500/7911/6", _number("6031234"), _number("6100001")),
    "20117": ("601/2977/3", "500/7911/6"),
    "30256": ("601/2977/3", _number("6031234")),
}

GIVEN = (
    "Amira",
    "Zoë",
    "Tomasz",
    "Siobhán",
    "Kwame",
    "Priya",
    "Liam",
    "Chloé",
    "Oluwaseun",
    "Ewan",
)
FAMILY = (
    "Hassan",
    "O'Brien",
    "Nowak",
    "Ní Bhriain",
    "Mensah",
    "Chowdhury",
    "Walsh",
    "Dubois",
    "Adeyemi",
    "MacLeod",
)

# The statuses each demo learner at Riverside ends in: every status of R-REG-4.
RIVERSIDE_STATUSES = (
    S.REGISTERED,
    S.REGISTERED,
    S.NOT_REGISTERED,
    S.ACHIEVED,
    S.CERTIFICATE_CLAIMED,
    S.CERTIFICATE_SENT,
    S.CERTIFICATE_RECEIVED,
    S.EXEMPT,
    S.REGISTRATION_NOT_REQUIRED,
    S.REGISTERED,
)


def demo_uln(centre_number: str, index: int) -> str:
    """A valid ULN (R-LRN-1), the same every run, different per centre and learner."""
    candidate = int(f"{centre_number[:1]}{centre_number[-2:]}{index:03d}000")
    while True:
        prefix = f"{candidate:09d}"
        check = uln_check_digit(prefix)
        if check is not None:
            return f"{prefix}{check}"
        candidate += 1


def _catalogue(report: DemoReport) -> dict[str, Qualification]:
    schemes = {}
    for name, grades in GRADING_SCHEMES.items():
        scheme = GradingScheme.objects.filter(name=name).first()
        if scheme is None:
            scheme = grading_scheme_create(name=name, grades=grades, acting_user=None)
            report.created.append(f"grading scheme {name}")
        schemes[name] = scheme
    qualifications = {}
    start = datetime.date(2020, 9, 1)
    for spec in DEMO_QUALIFICATIONS:
        qualification = Qualification.objects.filter(number=spec.number).first()
        if qualification is None:
            qualification = qualification_create(
                acting_user=None,
                number=spec.number,
                title=spec.title,
                level=spec.level,
                qualification_type=spec.kind,
                lrs_type=_lrs_type(spec),
                grading_scheme=schemes[spec.scheme],
                credit_value=spec.credits,
                minimum_credits=spec.minimum_credits,
                operational_start_date=start,
                ownership="owned",
            )
            report.created.append(f"qualification {spec.number}")
            for reference, title, credits, mandatory in spec.units:
                unit = Unit.objects.filter(reference=reference).first() or unit_create(
                    acting_user=None,
                    reference=reference,
                    title=title,
                    level=spec.level,
                    grading_scheme=schemes[spec.scheme],
                    credit_value=credits,
                    operational_start_date=start,
                    ownership="owned",
                )
                qualification_unit_set(
                    qualification=qualification, unit=unit, mandatory=mandatory, acting_user=None
                )
        qualifications[spec.number] = qualification
    return qualifications


def _learner(provider: Provider, index: int, report: DemoReport) -> Learner:
    uln = demo_uln(provider.centre_number, index)
    learner = Learner.objects.filter(provider=provider, uln=uln).first()
    if learner is not None:
        return learner
    today = timezone.localdate()
    learner = learner_create(
        provider=provider,
        acting_user=None,
        details={
            "uln": uln,
            "given_name": GIVEN[index % len(GIVEN)],
            "family_name": FAMILY[(index * 3 + len(provider.centre_number)) % len(FAMILY)],
            "date_of_birth": datetime.date(today.year - 17 - index % 9, 1 + index % 12, 10),
            "gender": (Gender.FEMALE, Gender.MALE, Gender.NOT_KNOWN, Gender.NOT_SPECIFIED)[
                index % 4
            ],
            "email": "",
            "address_line_1": f"{index + 1} Station Road",
            "town": provider.town,
            "postcode": provider.postcode,
            "ethnicity": (Ethnicity.WHITE_BRITISH, Ethnicity.ASIAN_INDIAN, Ethnicity.NOT_KNOWN)[
                index % 3
            ],
            "ability_status": (AbilityStatus.NO, AbilityStatus.NOT_KNOWN)[index % 2],
            "prior_attainment": (PriorAttainment.LEVEL_2, PriorAttainment.NOT_KNOWN)[index % 2],
            "employment_status": (EmploymentStatus.EMPLOYED, EmploymentStatus.NOT_KNOWN)[index % 2],
            "employer": "" if index % 2 else "Northgate Foods Ltd",
        },
    )
    report.created.append(f"learner {uln}")
    return learner


def _record(status: str, run: CourseRun) -> RegistrationRecord:
    """Dates that fit the status, as the AO's results and dispatch work would have set them."""
    today = timezone.localdate()
    registered = run.start_date + datetime.timedelta(days=7)
    if status in (S.NOT_REGISTERED, S.EXEMPT, S.REGISTRATION_NOT_REQUIRED):
        return RegistrationRecord(status=status)
    if status == S.REGISTERED:
        return RegistrationRecord(status=status, registration_date=registered)
    order = (S.ACHIEVED, S.CERTIFICATE_CLAIMED, S.CERTIFICATE_SENT, S.CERTIFICATE_RECEIVED)
    reached = order.index(S(status))
    day = today - datetime.timedelta(days=40)
    return RegistrationRecord(
        status=status,
        registration_number=registration_number_issue(),
        registration_date=registered,
        achieved_date=day,
        certificate_claimed_date=day + datetime.timedelta(days=10) if reached >= 1 else None,
        certificate_sent_date=day + datetime.timedelta(days=20) if reached >= 2 else None,
        postal_tracking_reference=f"RM{run.pk:05d}{reached}GB" if reached >= 2 else "",
        certificate_received_date=day + datetime.timedelta(days=25) if reached >= 3 else None,
    )


@transaction.atomic
def seed(report: DemoReport) -> None:
    qualifications = _catalogue(report)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=200)
    described: list[dict[str, object]] = []
    for centre_number, numbers in APPROVALS.items():
        provider = Provider.objects.select_related("organisation").get(centre_number=centre_number)
        runs: list[CourseRun] = []
        for number in numbers:
            qualification = qualifications[number]
            if not qualification.provider_approvals.filter(provider=provider).exists():
                provider_approve(provider=provider, qualification=qualification, acting_user=None)
                report.created.append(f"approval {centre_number} {number}")
            programme = f"{qualification.title} ({provider.town})"
            run = CourseRun.objects.filter(provider=provider, programme_name=programme).first()
            if run is None:
                run = course_run_create(
                    provider=provider,
                    qualification=qualification,
                    start_date=start,
                    planned_achievement_date=start + datetime.timedelta(days=300),
                    programme_name=programme,
                    primary_tutor="Dr Helen Carter" if len(runs) % 2 else "Marcus Reid",
                    acting_user=None,
                )
                report.created.append(f"course run {programme}")
            runs.append(run)
        statuses = RIVERSIDE_STATUSES if centre_number == "10042" else RIVERSIDE_STATUSES[:4]
        for index, status in enumerate(statuses):
            learner = _learner(provider, index, report)
            run = runs[index % len(runs)]
            if not Registration.objects.filter(learner=learner, course_run=run).exists():
                registration_create(
                    learner=learner, course_run=run, acting_user=None, record=_record(status, run)
                )
                report.created.append(f"registration {learner.uln} {status}")
        described.append(
            {
                "centre_number": centre_number,
                "course_runs": [r.programme_name for r in runs],
                "learner_ulns": list(
                    Learner.objects.filter(provider=provider).values_list("uln", flat=True)
                ),
            }
        )
    _void_one(report)
    report.document["catalogue"] = [
        {"number": q.number, "title": q.title, "grading_scheme": q.grading_scheme.name}
        for q in qualifications.values()
    ]
    report.document["registrations"] = described


def _void_one(report: DemoReport) -> None:
    """One voided registration, so the demo shows what voiding looks like."""
    from .services import registration_void

    ada = User.objects.filter(username="ada.okafor").first()
    if ada is None or Registration.objects.filter(voided_at__isnull=False).exists():
        return
    registration = (
        Registration.objects.filter(
            course_run__provider__centre_number="20117", status=S.REGISTERED
        )
        .order_by("pk")
        .first()
    )
    if registration is not None:
        registration_void(
            registration=registration,
            reason="Registered on the wrong course run by mistake (demo)",
            acting_user=ada,
        )
        report.created.append(f"voided registration {registration.registration_number}")
