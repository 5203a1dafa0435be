"""What needs the signed-in user's attention, for the dashboard: each count from the selector
the list page it links to already uses, so the number and the list always agree (decision 0116).
Each item is shown only to users whose roles open its page; a handful of queries in all."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Capability
from certificates.selectors import render_jobs_failed, user_may_see_certificates
from registrations.models import ImportJob
from registrations.selectors import FAILED_IMPORTS_SHOWN_FOR_DAYS, import_jobs_failed_recently
from results import selectors as results_selectors


@dataclass(frozen=True)
class AttentionItem:
    key: str
    count: int
    text: str  # "2 course runs queried by the verifier"
    url: str
    detail: str = ""  # "the first by 12/12/2026 (3 working days left)"


def _counted(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _receipts(user: User, today: datetime.date) -> AttentionItem | None:
    rows = results_selectors.receipt_pending(user=user, today=today)
    if not rows:
        return None
    first = rows[0]  # soonest deadline first
    overdue = sum(1 for row in rows if row.is_overdue)
    detail = f"The first by {first.deadline:%d/%m/%Y} ({first.status_text.lower()})."
    if overdue:
        detail += f" {_counted(overdue, 'is', 'are')} overdue."
    return AttentionItem(
        "receipts",
        len(rows),
        _counted(len(rows), "consignment of certificates", "consignments of certificates")
        + (" awaiting the centre's confirmation" if user.is_ao_staff else " to confirm received"),
        reverse("results:receipt_pending"),
        detail,
    )


def attention_for(*, user: User, today: datetime.date | None = None) -> list[AttentionItem]:
    """The things waiting for this user, in the order a day's work takes them; empty when
    nothing needs their attention."""
    today = today or timezone.localdate()
    items: list[AttentionItem | None] = []
    administration = reverse("results:administration")
    if user.can(Capability.VIEW_LEARNERS):
        items.append(_receipts(user, today))
    if user.is_provider_user and user.can(Capability.VIEW_LEARNERS):
        queried = results_selectors.open_queries_for(user=user).count()
        items.append(
            AttentionItem(
                "queries",
                queried,
                _counted(queried, "course run", "course runs") + " queried by the verifier",
                f"{administration}?show=queried",
                "Correct the results, reply to the query and submit them again.",
            )
        )
        due = results_selectors.course_runs_due_with_draft_results(user=user, today=today)
        due_count = due.count()
        items.append(
            AttentionItem(
                "results_due",
                due_count,
                _counted(due_count, "course run", "course runs")
                + " due soon with results still in draft",
                f"{administration}?show=due",
                f"Planned achievement within {results_selectors.RESULTS_DUE_WITHIN_DAYS} days, "
                "or already past.",
            )
        )
    if user.is_ao_staff and user.can(Capability.VERIFY_RESULTS):
        waiting = results_selectors.verification_queue(user=user).count()
        items.append(
            AttentionItem(
                "verification",
                waiting,
                _counted(waiting, "course run", "course runs")
                + " of results awaiting your verification",
                reverse("results:verification_queue"),
            )
        )
    if user.is_ao_staff and user.can(Capability.CERTIFICATE):
        confirmed = results_selectors.certification_queue(user=user).count()
        items.append(
            AttentionItem(
                "certification",
                confirmed,
                _counted(confirmed, "course run", "course runs") + " awaiting certification",
                reverse("results:certification_queue"),
            )
        )
        to_send = (
            results_selectors.dispatch_candidates(user=user).count()
            + results_selectors.late_dispatch_candidates(user=user).count()
        )
        items.append(
            AttentionItem(
                "dispatch",
                to_send,
                _counted(to_send, "course run", "course runs") + " with certificates to dispatch",
                reverse("results:dispatch"),
            )
        )
    if user_may_see_certificates(user=user):
        failed = render_jobs_failed(user=user).count()
        items.append(
            AttentionItem(
                "render_jobs",
                failed,
                _counted(failed, "certificate batch", "certificate batches") + " failed to render",
                reverse("certificates:job_list") + "?status=failed",
                "Open a batch to see why, and retry it.",
            )
        )
    if user.can(Capability.MANAGE_REGISTRATIONS):
        failed_imports = import_jobs_failed_recently(user=user).count()
        items.append(
            AttentionItem(
                "imports",
                failed_imports,
                _counted(failed_imports, "registration import", "registration imports")
                + f" failed in the last {FAILED_IMPORTS_SHOWN_FOR_DAYS} days",
                reverse("registrations:import")
                + f"?status={ImportJob.Status.FAILED}#recent-imports",
            )
        )
    return [item for item in items if item is not None and item.count]
