"""Reads for the achievement pages: records, batches and the R-RES-3 deadline board."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .achievement_models import Achievement, AchievementBatch, AchievementState, BatchRecord
from .achievement_rules import UploadDeadline, upload_deadline
from .achievements import achievement_waiting_reasons

S = AchievementState
NOT_YET_AT_LRS = (S.PENDING, S.IN_BATCH, S.REJECTED)


def achievements_search(*, search: str = "", state: str = "") -> QuerySet[Achievement]:
    queryset = Achievement.objects.select_related("learner", "provider__organisation")
    search = (search or "").strip()
    if search:
        queryset = queryset.filter(
            Q(uln=search)
            | Q(aim_reference__iexact=search)
            | Q(learner__family_name__icontains=search)
        )
    if state in S.values:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-updated_at", "-pk")


def batches_list() -> QuerySet[AchievementBatch]:
    return AchievementBatch.objects.annotate(
        rejected=Count("records", filter=Q(records__outcome=BatchRecord.Outcome.REJECTED))
    ).order_by("-created_at", "-pk")


def batch_rejected_records(batch: AchievementBatch) -> QuerySet[BatchRecord]:
    return (
        batch.records.exclude(exception_code="")
        .select_related("achievement__learner", "achievement__registration__course_run")
        .order_by("position")
    )


@dataclass(frozen=True)
class ReadyCounts:
    ready: int
    waiting: int


def ready_counts() -> ReadyCounts:
    """Pending records that beat would put in a batch now, and those held back (with reasons)."""
    pending = Achievement.objects.filter(
        state=S.PENDING, pending_action__isnull=False
    ).select_related("learner", "qualification", "unit")
    today = timezone.localdate()
    ready = waiting = 0
    for achievement in pending.iterator(chunk_size=2000):
        if achievement_waiting_reasons(achievement, today=today):
            waiting += 1
        else:
            ready += 1
    return ReadyCounts(ready, waiting)


@dataclass(frozen=True)
class DeadlineRow:
    achievement: Achievement
    results_issued: datetime.date
    deadline: UploadDeadline


def deadline_board(
    *, provider_id: int | None = None, today: datetime.date | None = None
) -> list[DeadlineRow]:
    """R-RES-3: achievements not yet on the learner's record, against ten working days from the
    results being issued; most urgent first."""
    today = today or timezone.localdate()
    queryset = (
        Achievement.objects.filter(state__in=NOT_YET_AT_LRS, held_at_lrs=False, withdrawn=False)
        .select_related("learner", "provider__organisation", "registration__result")
        .order_by("pk")
    )
    if provider_id:
        queryset = queryset.filter(provider_id=provider_id)
    rows = []
    for achievement in queryset:
        result = (
            getattr(achievement.registration, "result", None) if achievement.registration else None
        )
        issued = (result.results_issued_date if result else None) or achievement.award_date
        rows.append(
            DeadlineRow(achievement, issued, upload_deadline(results_issued=issued, today=today))
        )
    rows.sort(key=lambda r: (r.deadline.working_days_left, r.achievement.uln))
    return rows


@dataclass(frozen=True)
class LearnerAchievement:
    """One of a learner's achievement records as the learner's page shows it."""

    achievement: Achievement
    waiting_reasons: list[str]


def achievements_for_learner(*, learner_id: int) -> list[LearnerAchievement]:
    """A learner's achievement records at the LRS, with why any pending one is waiting."""
    records = (
        Achievement.objects.filter(learner_id=learner_id)
        .select_related("learner", "qualification")
        .order_by("award_date", "aim_kind", "aim_reference", "pk")
    )
    return [
        LearnerAchievement(
            achievement=record,
            waiting_reasons=(
                achievement_waiting_reasons(record) if record.state == S.PENDING else []
            ),
        )
        for record in records
    ]
