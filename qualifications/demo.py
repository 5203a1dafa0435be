"""Demo catalogue extras: a grading scheme whose qualification grade needs more than the lowest
unit grade, and a qualification whose number's check character is doubtful (R-REG-1).

Idempotent: looked up by name or number first. Runs after `registrations.demo`, which seeds
the main catalogue."""

from __future__ import annotations

import datetime
from decimal import Decimal

from accounts.demo import DemoReport

from .models import GradingScheme, Qualification, Unit
from .services import (
    GradeRow,
    grading_scheme_create,
    qualification_create,
    qualification_unit_set,
    unit_create,
)

POINTS_SCHEME = "Pass/Merit/Distinction (points)"
DOUBTFUL_NUMBER = "603/4567/1"  # the check character would usually be 6


def seed(report: DemoReport) -> None:
    scheme = GradingScheme.objects.filter(name=POINTS_SCHEME).first()
    if scheme is None:
        scheme = grading_scheme_create(
            name=POINTS_SCHEME,
            grades=[
                GradeRow("D", "Distinction", True, 3, Decimal("2.5")),
                GradeRow("M", "Merit", True, 2, Decimal("1.5")),
                GradeRow("P", "Pass", True, 1, Decimal(0)),
                GradeRow("U", "Unclassified", False, 0, None),
            ],
            acting_user=None,
        )
        report.created.append(f"grading scheme {POINTS_SCHEME}")
    if Qualification.objects.filter(number=DOUBTFUL_NUMBER).exists():
        return
    start = datetime.date(2022, 9, 1)
    qualification = qualification_create(
        acting_user=None,
        number=DOUBTFUL_NUMBER,
        title="Level 2 Certificate in Customer Service",
        level="2",
        qualification_type=Qualification.Type.REGULATED,
        grading_scheme=scheme,
        credit_value=20,
        minimum_credits=15,
        operational_start_date=start,
        ownership="shared",
    )
    for reference, title, credits, mandatory in (
        ("C/603/0001", "Customer service principles", 10, True),
        ("C/603/0002", "Handling complaints", 5, False),
        ("C/603/0003", "Customer service online", 5, False),
    ):
        unit = Unit.objects.filter(reference=reference).first() or unit_create(
            acting_user=None,
            reference=reference,
            title=title,
            level="2",
            grading_scheme=scheme,
            credit_value=credits,
            operational_start_date=start,
            ownership="shared",
        )
        qualification_unit_set(
            qualification=qualification, unit=unit, mandatory=mandatory, acting_user=None
        )
    report.created.append(f"qualification {DOUBTFUL_NUMBER} (doubtful check character)")
