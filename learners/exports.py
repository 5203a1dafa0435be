"""CSV export of learners in the learner import's layout (`csv_columns`), streamed, no cell a
spreadsheet could take for a formula, and audited (R-ACC-7). It imports again with no changes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from audit.services import audit_record
from awards_portal.csv_download import csv_streaming_response

from .csv_columns import ALL_COLUMNS, learner_export_row
from .models import Learner

if TYPE_CHECKING:
    from accounts.models import User


def _rows(learners: QuerySet[Learner]) -> Iterator[list[str]]:
    for learner in learners.iterator(chunk_size=2000):
        yield learner_export_row(learner)


def learners_export(
    *, learners: QuerySet[Learner], acting_user: User, filters: Mapping[str, Any]
) -> StreamingHttpResponse:
    """Audit the export ("learners.exported" with the count and the filter), then stream it.
    `learners` is already scoped to what the user may see."""
    audit_record(
        actor=acting_user,
        action="learners.exported",
        object_type="learners.learner",
        detail={"count": learners.count(), "filters": dict(filters)},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_streaming_response(
        filename=f"learners-{stamp}.csv",
        header=[label for _, label in ALL_COLUMNS],
        rows=_rows(learners),
    )
