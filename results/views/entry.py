"""The results grid of a course run (entry, R-RES-1) and its submission for verification."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from qualifications.selectors import rules_of_combination_for
from registrations.models import CourseRun

from .. import selectors, services
from ..forms import (
    SubmitForm,
    grid_input_from_post,
    grid_values_from_rows,
)
from ..models import Stage
from ..services import ResultsRejected
from ..validators import grid_field
from .common import _course_run, _error_list


def _grid_context(
    request: AuthenticatedHttpRequest,
    course_run: CourseRun,
    *,
    values: dict[str, str] | None = None,
    errors: list[Any] | None = None,
) -> dict[str, Any]:
    results = services.course_run_results_get(course_run=course_run)
    grid = selectors.results_grid_for(course_run=course_run)
    rows = selectors.learner_outcomes_for(course_run=course_run)
    values = values if values is not None else grid_values_from_rows(rows, grid)
    errors = errors or []
    errors_by_field: dict[str, list[str]] = {}
    for error in errors:
        errors_by_field.setdefault(error.field, []).append(error.message)
    user = request.user
    editable = results.is_editable and user.is_provider_user and user.can(Capability.ENTER_RESULTS)
    table = []
    for row in rows:
        rid = row.registration.pk
        cells = []
        for column in grid.units:
            name = grid_field("grade", rid, column.unit_id)
            chosen = values.get(name, "")
            label = next((g.label for g in column.grades if str(g.pk) == chosen), "")
            cells.append(
                {
                    "name": name,
                    "column": column,
                    "value": chosen,
                    "label": label,
                    "errors": errors_by_field.get(name, []),
                }
            )
        texts = []
        for attribute, label in (
            ("assessor_name", "Assessor"),
            ("internal_verifier_name", "Internal verifier"),
            ("decision_reason", "Assessment decision reason"),
        ):
            name = grid_field(attribute, rid)
            texts.append(
                {
                    "name": name,
                    "label": label,
                    "value": values.get(name, ""),
                    "errors": errors_by_field.get(name, []),
                }
            )
        table.append(
            {
                "row": row,
                "cells": cells,
                "texts": texts,
                "not_claiming_name": grid_field("not_claiming", rid),
                "not_claiming": bool(values.get(grid_field("not_claiming", rid))),
                "row_errors": errors_by_field.get(grid_field("grade", rid), []),
            }
        )
    rules = rules_of_combination_for(qualification=course_run.qualification)
    return {
        "course_run": course_run,
        "results": results,
        "grid": grid,
        "table": table,
        "editable": editable,
        "errors": _error_list(errors),
        "history": results.history.select_related("actor"),
        "late_certificates": selectors.late_certificates_of(course_run=course_run),
        "queries": results.queries.select_related("raised_by", "replied_by").prefetch_related(
            "learners__registration__learner"
        ),
        "rules": rules,
        "rules_json": {
            "mandatory": sorted(rules.mandatory_units),
            "optional": sorted(rules.optional_units),
            "credits": dict(rules.unit_credits),
            "minimum": rules.minimum_credits,
            "units": {
                str(c.unit_id): {
                    "reference": c.reference,
                    "passes": [g.pk for g in c.grades if g.is_pass],
                }
                for c in grid.units
            },
        },
    }


@capability_required(Capability.VIEW_LEARNERS)
def course_run_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The course run's results: the grid (editable by the centre while Draft or Queried), each
    learner's outcome, queries and the stage history."""
    course_run = _course_run(request, pk)
    if request.method == "POST":
        if not (request.user.is_provider_user and request.user.can(Capability.ENTER_RESULTS)):
            raise PermissionDenied
        grid = selectors.results_grid_for(course_run=course_run)
        rows = selectors.learner_outcomes_for(course_run=course_run)
        parsed = grid_input_from_post(request.POST, rows, grid)
        errors = list(parsed.errors)
        if not errors:
            try:
                changed = services.results_draft_save(
                    course_run=course_run, entries=parsed.entries, acting_user=request.user
                )
            except ResultsRejected as rejected:
                errors = rejected.errors
            else:
                messages.success(
                    request,
                    f"Draft saved ({changed} learner{'s' if changed != 1 else ''} changed).",
                )
                if request.POST.get("action") == "review":
                    return redirect("results:submit", pk=course_run.pk)
                return redirect("results:course_run", pk=course_run.pk)
        context = _grid_context(request, course_run, values=parsed.values, errors=errors)
        return render(request, "results/course_run.html", context, status=400)
    services.results_viewed(acting_user=request.user, course_run=course_run, page="results")
    return render(request, "results/course_run.html", _grid_context(request, course_run))


@capability_required(Capability.ENTER_RESULTS)
def submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The summary of what will be claimed, then Submit (R-RES-1)."""
    course_run = _course_run(request, pk)
    if request.user.is_ao_staff:
        raise PermissionDenied
    results = services.course_run_results_get(course_run=course_run)
    rows = selectors.learner_outcomes_for(course_run=course_run)
    problems = services.submission_check(course_run=course_run)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    open_query = (
        results.queries.filter(resolved_at__isnull=True).select_related("raised_by").first()
        if results.stage == Stage.QUERIED
        else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.course_run_submit(
                course_run=course_run,
                acting_user=request.user,
                reply=form.cleaned_data["reply"] if open_query else "",
            )
        except ResultsRejected as rejected:
            form.apply_errors([e for e in rejected.errors if e.field == "reply"])
            problems = [e for e in rejected.errors if e.field != "reply"]
        else:
            messages.success(
                request,
                f"Results for {course_run.programme_name} are submitted to the verifier.",
            )
            return redirect("results:course_run", pk=course_run.pk)
    claims = {
        "qualification": [r for r in rows if r.outcome.qualification_achieved],
        "units": [r for r in rows if r.outcome.claims_units_only],
        "none": [
            r
            for r in rows
            if not r.outcome.not_claiming
            and not r.outcome.qualification_achieved
            and not r.outcome.claims_units_only
        ],
        "not_claiming": [r for r in rows if r.outcome.not_claiming],
    }
    return render(
        request,
        "results/submit.html",
        {
            "course_run": course_run,
            "results": results,
            "rows": rows,
            "claims": claims,
            "problems": problems,
            "can_submit": results.stage in (Stage.DRAFT, Stage.QUERIED) and not problems,
            "form": form,
            "open_query": open_query,
        },
        status=400 if request.method == "POST" else 200,
    )
