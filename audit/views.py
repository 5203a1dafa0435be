"""The audit log for super users: browse with filters, export as CSV, and the annual user audit."""

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

from .forms import AuditFilterForm
from .models import AuditEvent
from .selectors import audit_events_search, user_audit_counts, user_audit_rows
from .services import audit_record

view_audit = capability_required(Capability.VIEW_AUDIT_LOG)


def _filtered_events(
    request: AuthenticatedHttpRequest,
) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    events = audit_events_search(
        user=request.user,
        actor=data.get("actor", ""),
        action=data.get("action", ""),
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
        request, "audit/event_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@view_audit
def event_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    _, events = _filtered_events(request)
    audit_record(
        actor=request.user, action="audit.exported", detail={"filters": request.GET.dict()}
    )
    rows = (
        (
            e.occurred_at.isoformat(),
            e.actor_username,
            e.ip_address or "",
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.before,
            e.after,
            e.detail,
        )
        for e in events.iterator(chunk_size=2000)
    )
    header = [
        "When",
        "User",
        "From address",
        "Action",
        "Object type",
        "Object id",
        "Object",
        "Before",
        "After",
        "Detail",
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
