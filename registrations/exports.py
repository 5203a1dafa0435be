"""CSV export of registrations (R-REG-13): the columns 004 lists, in that order, streamed, with
dates as dd/mm/yyyy and no cell a spreadsheet could take for a formula. Every export is audited
(R-ACC-7). An exported file can be imported again and changes nothing (R-REG-14)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from audit.services import audit_record
from awards_portal.csv_download import csv_streaming_response

from .csv_format import EXPORT_COLUMNS
from .models import Registration

if TYPE_CHECKING:
    from accounts.models import User

EXPORT_HEADER = [label for _, label in EXPORT_COLUMNS]


def _date(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def registration_export_row(registration: Registration, ao_name: str) -> list[str]:
    """One registration as the export's cells, in EXPORT_COLUMNS order."""
    learner = registration.learner
    run = registration.course_run
    qualification = run.qualification
    values: dict[str, Any] = {
        "title": learner.title,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "full_name": learner.full_name,
        "address_line_1": learner.address_line_1,
        "address_line_2": learner.address_line_2,
        "town": learner.town,
        "county": learner.county,
        "postcode": learner.postcode,
        "country": learner.country,
        "date_of_birth": _date(learner.date_of_birth),
        "gender": learner.get_gender_display(),
        "email": learner.email,
        "ethnicity": learner.get_ethnicity_display(),
        "start_date": _date(run.start_date),
        "planned_achievement_date": _date(run.planned_achievement_date),
        "primary_tutor": run.primary_tutor,
        "employer": learner.employer,
        "uln": learner.uln,
        "programme_name": run.programme_name,
        "qualification_name": qualification.title,
        "qualification_number": qualification.number,
        "awarding_organisation": ao_name,
        "status": registration.get_status_display(),
        "registration_number": registration.registration_number or "",
        "registration_date": _date(registration.registration_date),
        "certificate_received_date": _date(registration.certificate_received_date),
        "certificate_claimed_date": _date(registration.certificate_claimed_date),
        "achieved_date": _date(registration.achieved_date),
        "certificate_sent_date": _date(registration.certificate_sent_date),
        "postal_tracking_reference": registration.postal_tracking_reference,
        # The ILR "QA Verified" flag is not recorded by the portal yet: left empty, not guessed.
        "qa_verified": "",
        "language_for_assessment": registration.language_for_assessment,
    }
    return [values[key] for key, _ in EXPORT_COLUMNS]


def registration_export_rows(registrations: QuerySet[Registration]) -> Iterator[list[str]]:
    ao_name = getattr(settings, "AO_NAME", "")
    queryset = registrations.select_related("learner", "course_run__qualification")
    for registration in queryset.iterator(chunk_size=2000):
        yield registration_export_row(registration, ao_name)


def registrations_export(
    *,
    registrations: QuerySet[Registration],
    acting_user: User,
    scope: str,
    filters: Mapping[str, Any],
) -> StreamingHttpResponse:
    """Audit the export ("registrations.exported" with the count and the filter), then stream
    it. `registrations` is already scoped to what the user may see."""
    count = registrations.count()
    audit_record(
        actor=acting_user,
        action="registrations.exported",
        object_type="registrations.registration",
        detail={"count": count, "scope": scope, "filters": dict(filters)},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_streaming_response(
        filename=f"registrations-{stamp}.csv",
        header=EXPORT_HEADER,
        rows=registration_export_rows(registrations),
    )
