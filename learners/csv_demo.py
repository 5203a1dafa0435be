"""Demo data for the learner import (issue 14 item 1): a sample learner file under var/ for
Riverside College. A cohort of twelve new learners registered on a running course run through
the qualification column, one demo learner whose address changes (matched by ULN), and three
rows the report stops: the same learner twice and a mistyped ULN.

Idempotent: the file is written once; an existing file is left as it is."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from accounts.demo import DemoReport
from providers.models import Provider
from registrations.demo import demo_uln
from registrations.models import CourseRun

from .csv_columns import ALL_COLUMNS, learner_export_row
from .models import Learner

SAMPLE_FILE = Path(settings.BASE_DIR) / "var" / "sample-learners-import.csv"
CENTRE = "10042"
GIVEN = ("Aisha", "Ben", "Chloé", "Dylan", "Efe", "Freya", "Gethin", "Hana", "Idris", "Jess")
FAMILY = ("Okoro", "Price", "Lefèvre", "O'Connor", "Adebayo", "Nash", "Rhys", "Sato", "Khan")
KEYS = [key for key, _ in ALL_COLUMNS]


def _row(**values: str) -> list[str]:
    return [values.get(key, "") for key in KEYS]


def sample_rows(provider: Provider) -> list[list[str]]:
    today = timezone.localdate()
    run = (
        CourseRun.objects.filter(provider=provider, planned_achievement_date__gte=today)
        .order_by("start_date")
        .select_related("qualification")
        .first()
    )
    number = run.qualification.number if run is not None else ""
    rows = []
    for index in range(12):
        rows.append(
            _row(
                uln=demo_uln(CENTRE, 500 + index),
                given_name=GIVEN[index % len(GIVEN)],
                family_name=FAMILY[index % len(FAMILY)],
                date_of_birth=f"{1 + index:02d}/0{1 + index % 9}/{today.year - 17}",
                gender=("Female", "Male", "Not known")[index % 3],
                postcode=provider.postcode,
                town=provider.town,
                ethnicity="Not known",
                ability_status="Not known",
                prior_attainment="Full level 2",
                employment_status="Not known",
                qualification_number=number,
                registration_date=max(today, run.start_date).strftime("%d/%m/%Y") if run else "",
            )
        )
    existing = Learner.objects.filter(provider=provider).order_by("pk").first()
    if existing is not None:
        moved = learner_export_row(existing)
        moved[KEYS.index("address_line_1")] = "7 Canal Wharf"
        rows.append(moved)
    rows.append(list(rows[0]))  # the same learner twice
    mistyped = demo_uln(CENTRE, 520)
    rows.append(
        _row(
            uln=mistyped[:9] + str((int(mistyped[9]) + 1) % 10),
            given_name="Kai",
            family_name="Turner",
            date_of_birth=(today - datetime.timedelta(days=18 * 366)).strftime("%d/%m/%Y"),
            gender="Male",
            ethnicity="Not known",
            ability_status="Not known",
            prior_attainment="Not known",
            employment_status="Not known",
        )
    )
    return rows


def seed(report: DemoReport) -> None:
    provider = Provider.objects.filter(centre_number=CENTRE).first()
    if provider is None:
        return
    SAMPLE_FILE.parent.mkdir(parents=True, exist_ok=True)
    if not SAMPLE_FILE.exists():
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([label for _, label in ALL_COLUMNS])
        writer.writerows(sample_rows(provider))
        SAMPLE_FILE.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        report.created.append(f"sample learner file {SAMPLE_FILE.name}")
    report.document["learner_import_sample"] = {
        "file": str(SAMPLE_FILE.relative_to(settings.BASE_DIR)),
        "centre_number": CENTRE,
        "description": "Riverside College: twelve new learners registered through the "
        "qualification column (rows 2-13), a demo learner whose address changes (row 14), and "
        "two rows the report stops: the same learner twice (row 15) and a mistyped ULN "
        "(row 16). Import it as lucy.evans from Learners > Import learners.",
    }
