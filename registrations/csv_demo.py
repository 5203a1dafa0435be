"""Demo data for the CSV import (issue 4 item 9): a sample import file under var/ for Riverside
College, made from the demo learners, with three registration requests and two rows with
mistakes (a mistyped ULN and an impossible date) to show the validation report.

Idempotent: the file is written once; an existing file is left as it is (after it has been
imported, the same learners would no longer make a useful sample)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.conf import settings

from accounts.demo import DemoReport
from learners.models import Learner
from providers.models import Provider

from .csv_format import IMPORT_COLUMNS
from .demo import demo_uln
from .models import CourseRun, Registration

SAMPLE_FILE = Path(settings.BASE_DIR) / "var" / "sample-registrations-import.csv"
CENTRE = "10042"


def _mistyped(uln: str) -> str:
    """The same ULN with its check digit off by one, as a slip of the finger would make it."""
    return uln[:9] + str((int(uln[9]) + 1) % 10)


def sample_rows() -> list[list[str]]:
    provider = Provider.objects.get(centre_number=CENTRE)
    numbers = sorted(
        set(
            CourseRun.objects.filter(provider=provider).values_list(
                "qualification__number", flat=True
            )
        )
    )
    taken = set(
        Registration.objects.filter(course_run__provider=provider).values_list(
            "learner__uln", "course_run__qualification__number"
        )
    )
    learners = list(
        Learner.objects.filter(provider=provider).order_by("pk").values_list("uln", flat=True)
    )
    rows: list[list[str]] = []
    for uln in learners:
        free = [number for number in numbers if (uln, number) not in taken]
        if free and len(rows) < 3:
            rows.append([free[0], uln, "Registered"])
    first_uln = demo_uln(CENTRE, 0)
    rows.append([numbers[0], _mistyped(first_uln), "Registered"])
    rows.append([numbers[-1], demo_uln(CENTRE, 5), "Registered", "", "31/02/2026"])
    width = len(IMPORT_COLUMNS)
    return [row + [""] * (width - len(row)) for row in rows]


def seed(report: DemoReport) -> None:
    if not Provider.objects.filter(centre_number=CENTRE).exists():
        return
    SAMPLE_FILE.parent.mkdir(parents=True, exist_ok=True)
    existing = SAMPLE_FILE.read_text(encoding="utf-8") if SAMPLE_FILE.exists() else None
    if existing is None:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([label for _, label in IMPORT_COLUMNS])
        writer.writerows(sample_rows())
        SAMPLE_FILE.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        report.created.append(f"sample import file {SAMPLE_FILE.name}")
    report.document["registration_import_sample"] = {
        "file": str(SAMPLE_FILE.relative_to(settings.BASE_DIR)),
        "centre_number": CENTRE,
        "description": "Riverside College: three registration requests (rows 2-4) and two rows "
        "with mistakes, a mistyped ULN (row 5) and an impossible date (row 6). Import it as "
        "lucy.evans from Registrations > Import and update from CSV.",
    }
