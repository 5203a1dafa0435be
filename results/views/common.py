"""Helpers every results page shares: the scoped course run lookup, error lists, PDF responses."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from accounts.http import AuthenticatedHttpRequest
from registrations.models import CourseRun
from registrations.selectors import course_runs_visible_to


def _course_run(request: AuthenticatedHttpRequest, pk: int) -> CourseRun:
    return get_object_or_404(course_runs_visible_to(user=request.user), pk=pk)


def _error_list(errors: list[Any]) -> list[dict[str, str]]:
    return [{"field": e.field, "message": e.message} for e in errors]


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
