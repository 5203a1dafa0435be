"""The audit log for super users: browse with filters, export as CSV, and the annual user audit."""

import json
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability, Role
from awards_portal.csv_download import csv_streaming_response

from .descriptions import EventView, events_described
from .forms import AuditFilterForm
from .models import AuditEvent
from .selectors import audit_events_search, user_audit_counts, user_audit_rows
from .services import audit_record

view_audit = capability_required(Capability.VIEW_AUDIT_LOG)


def _filtered_events(
    request: AuthenticatedHttpRequest,
) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A filter that cannot be read shows its error and no events, never the whole log.
        return form, AuditEvent.objects.none()
    data = form.cleaned_data if form.is_bound else {}
    events = audit_events_search(
        user=request.user,
        actor=data.get("actor", ""),
        action=data.get("action", ""),
        about_user=data.get("about_user", ""),
        about_learner=data.get("about_learner", ""),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return form, events


@view_audit
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, events = _filtered_events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "rows": events_described(page.object_list),
            "query": query.urlencode(),
        },
    )


def _described_in_chunks(events: QuerySet[AuditEvent]) -> Iterator[EventView]:
    chunk: list[AuditEvent] = []
    for event in events.iterator(chunk_size=2000):
        chunk.append(event)
        if len(chunk) == 500:
            yield from events_described(chunk)
            chunk = []
    yield from events_described(chunk)


@view_audit
def event_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    _, events = _filtered_events(request)
    audit_record(
        actor=request.user, action="audit.exported", detail={"filters": request.GET.dict()}
    )
    rows = (
        (
            row.event.occurred_at.isoformat(),
            row.event.actor_username,
            row.event.ip_address or "",
            f"{row.actor} {row.description}",
            "; ".join([*row.changes, *row.details]),
            row.event.action,
            row.event.object_type,
            row.event.object_id,
            json.dumps(row.event.before, ensure_ascii=False),
            json.dumps(row.event.after, ensure_ascii=False),
            json.dumps(row.event.detail, ensure_ascii=False),
        )
        for row in _described_in_chunks(events)
    )
    # Plain English first; the recorded codes and values after, as evidence.
    header = [
        "When",
        "User",
        "From address",
        "What happened",
        "Changes and details",
        "Action code",
        "Object type",
        "Object id",
        "Before (as recorded)",
        "After (as recorded)",
        "Detail (as recorded)",
    ]
    stamp = timezone.localdate().isoformat()
    return csv_streaming_response(filename=f"audit-log-{stamp}.csv", header=header, rows=rows)


@view_audit
def user_audit(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """All users by status and role, as a page or (with ?format=csv) a download."""
    audit_record(actor=request.user, action="audit.user_audit_run")
    users = user_audit_rows(user=request.user)
    if request.GET.get("format") == "csv":
        rows = (
            (
                u.organisation.name,
                u.username,
                u.full_name,
                u.email,
                u.get_status_display(),
                "; ".join(u.role_labels),
                u.last_login.isoformat() if u.last_login else "",
                u.created_at.date().isoformat(),
                u.verification_note,
            )
            for u in users.iterator(chunk_size=2000)
        )
        header = [
            "Organisation",
            "User name",
            "Name",
            "Email",
            "Status",
            "Roles",
            "Last sign-in",
            "Created",
            "Verification provided",
        ]
        stamp = timezone.localdate().isoformat()
        return csv_streaming_response(filename=f"user-audit-{stamp}.csv", header=header, rows=rows)
    role_counts: dict[str, int] = {}
    for roles in users.values_list("roles", flat=True):
        for role in roles:
            label = Role(role).label if role in Role.values else role
            role_counts[label] = role_counts.get(label, 0) + 1
    return render(
        request,
        "audit/user_audit.html",
        {
            "users": users,
            "status_counts": user_audit_counts(user=request.user),
            "role_counts": sorted(role_counts.items()),
        },
    )
