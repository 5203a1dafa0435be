"""Pages for achievements at the LRS: batches (QCF record-set user), single records (QCF user)
and the R-RES-3 deadline board."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import capability_required
from accounts.roles import Capability
from awards_portal.csv_download import csv_streaming_response
from awards_portal.query_parameters import query_shortened_message, query_text
from learners.models import Learner

from . import achievement_forms as forms
from .achievement_batches import achievement_batch_resubmit_fixed, achievement_batches_build
from .achievement_models import Achievement, AchievementBatch, AchievementState, BatchStatus
from .achievement_selectors import (
    achievements_search,
    batch_rejected_records,
    batches_list,
    deadline_board,
    ready_counts,
)
from .achievement_submission import (
    ERROR_CODES,
    FIX_LEARNER,
    BatchResolveRejected,
    achievement_batch_resolve,
)
from .achievements import (
    achievement_create,
    achievement_move,
    achievement_reinstate,
    achievement_update,
    achievement_waiting_reasons,
    achievement_withdraw,
    learner_uln_verified,
)

batch_user = capability_required(Capability.UPLOAD_ACHIEVEMENT_BATCHES, ao_only=True)
qcf_user = capability_required(Capability.UPLOAD_ACHIEVEMENTS, ao_only=True)


def _apply_errors(form, error: ValidationError) -> None:
    for name, texts in error.message_dict.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


# --- batches ------------------------------------------------------------------------------------


@batch_user
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    form = forms.BatchBuildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        built = achievement_batches_build(
            submission_type=form.cleaned_data["submission_type"],
            acting_user=request.user,  # type: ignore[arg-type]
        )
        if built:
            messages.success(
                request,
                f"{len(built)} batch{'es' if len(built) != 1 else ''} built with "
                f"{sum(b.record_count for b in built)} records; sending now.",
            )
        else:
            messages.info(request, "No records are ready to send.")
        return redirect("lrs_sync:achievement_batches")
    page = Paginator(batches_list(), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "lrs_sync/achievement_batch_list.html",
        {"form": form, "page": page, "counts": ready_counts()},
    )


@batch_user
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(AchievementBatch, pk=pk)
    rejected = []
    for record in batch_rejected_records(batch):
        fix = ERROR_CODES.get(record.exception_code, ("", ""))[1]
        rejected.append((record, fix == FIX_LEARNER))
    return render(
        request,
        "lrs_sync/achievement_batch_detail.html",
        {
            "batch": batch,
            "rejected": rejected,
            "resolve_form": forms.ResolveForm(),
            "open": batch.status in (BatchStatus.READY, BatchStatus.SENDING, BatchStatus.SUBMITTED),
        },
    )


@batch_user
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's status line alone, for the detail page to poll."""
    batch = get_object_or_404(AchievementBatch, pk=pk)
    return render(request, "lrs_sync/achievement_batch_status.html", {"batch": batch})


@batch_user
@require_POST
def batch_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(AchievementBatch, pk=pk)
    built = achievement_batch_resubmit_fixed(
        batch=batch,
        acting_user=request.user,  # type: ignore[arg-type]
    )
    if not built:
        messages.error(
            request,
            "None of this batch's rejected records is ready to send: fix the learner or the "
            "result first (each record says what is wrong).",
        )
        return redirect("lrs_sync:achievement_batch", pk=batch.pk)
    messages.success(
        request, f"Batch {built[0].pk} built with {built[0].record_count} fixed records."
    )
    return redirect("lrs_sync:achievement_batch", pk=built[0].pk)


@batch_user
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch as an XML file, for upload through the LRS portal when the service is down."""
    batch = get_object_or_404(AchievementBatch, pk=pk)
    response = HttpResponse(bytes(batch.payload), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="achievement-batch-{batch.pk}.xml"'
    return response


@batch_user
@require_POST
def batch_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(AchievementBatch, pk=pk)
    form = forms.ResolveForm(request.POST)
    if form.is_valid():
        try:
            achievement_batch_resolve(
                batch=batch,
                received=form.cleaned_data["received"],
                job_id=form.cleaned_data["job_id"],
                acting_user=request.user,  # type: ignore[arg-type]
                note=form.cleaned_data["note"],
            )
        except BatchResolveRejected as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Batch resolved.")
        return redirect("lrs_sync:achievement_batch", pk=batch.pk)
    messages.error(request, "Say whether the LRS received the batch.")
    return redirect("lrs_sync:achievement_batch", pk=batch.pk)


# --- single records -----------------------------------------------------------------------------


@qcf_user
def achievement_list(request: HttpRequest) -> HttpResponse:
    search, shortened = query_text(request.GET.get("q"))
    if shortened:
        messages.info(request, query_shortened_message())
    state = request.GET.get("state", "")
    if state not in AchievementState.values:
        state = ""
    page = Paginator(achievements_search(search=search, state=state), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "lrs_sync/achievement_list.html",
        {"page": page, "search": search, "state": state, "states": AchievementState.choices},
    )


@qcf_user
@require_http_methods(["GET", "POST"])
def achievement_new(request: HttpRequest) -> HttpResponse:
    form = forms.AchievementCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        learner = Learner.objects.filter(uln=data["uln"].strip()).select_related("provider").first()
        if learner is None:
            form.add_error("uln", "No learner in the portal has this ULN.")
        else:
            try:
                achievement = achievement_create(
                    learner=learner,
                    aim_reference=data["aim_reference"],
                    award_date=data["award_date"],
                    grade=data["grade"],
                    ukprn=learner.provider.ukprn,
                    language_for_assessment=data["language_for_assessment"],
                    submission_type=data["submission_type"],
                    acting_user=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, "Achievement created; it goes with the next batch.")
                return redirect("lrs_sync:achievement", pk=achievement.pk)
    return render(request, "lrs_sync/achievement_new.html", {"form": form})


def _detail_context(achievement: Achievement, **forms_given) -> dict:
    today = timezone.localdate()
    context = {
        "achievement": achievement,
        "reasons": achievement_waiting_reasons(achievement, today=today)
        if achievement.state in ("pending", "rejected")
        else [],
        "learner_verified": learner_uln_verified(achievement.learner),
        "history": achievement.history.select_related("actor"),
        "update_form": forms.AchievementUpdateForm(
            initial={
                "grade": achievement.grade,
                "ukprn": achievement.ukprn,
                "language_for_assessment": achievement.language_for_assessment,
                "award_date": achievement.award_date,
            }
        ),
        "withdraw_form": forms.ActionForm(prefix="withdraw"),
        "reinstate_form": forms.ActionForm(prefix="reinstate"),
        "move_form": forms.MoveForm(prefix="move"),
    }
    context.update(forms_given)
    return context


@qcf_user
@require_http_methods(["GET", "POST"])
def achievement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = get_object_or_404(
        Achievement.objects.select_related("learner", "provider__organisation"), pk=pk
    )
    if request.method == "GET":
        return render(request, "lrs_sync/achievement_detail.html", _detail_context(achievement))
    action = request.POST.get("action", "")
    form: forms.forms.Form
    try:
        if action == "update":
            form = forms.AchievementUpdateForm(request.POST)
            if not form.is_valid():
                return _invalid(request, achievement, update_form=form)
            achievement_update(
                achievement=achievement,
                changes=form.cleaned_data,
                acting_user=request.user,  # type: ignore[arg-type]
            )
            messages.success(request, "Achievement updated; the change goes with the next batch.")
        elif action in ("withdraw", "reinstate"):
            form = forms.ActionForm(request.POST, prefix=action)
            if not form.is_valid():
                return _invalid(request, achievement, **{f"{action}_form": form})
            service = achievement_withdraw if action == "withdraw" else achievement_reinstate
            service(
                achievement=achievement,
                action_date=form.cleaned_data["action_date"],
                reason=form.cleaned_data["action_reason"],
                acting_user=request.user,  # type: ignore[arg-type]
            )
            messages.success(
                request,
                f"Achievement {action}n." if action == "withdraw" else "Achievement reinstated.",
            )
        elif action == "move":
            form = forms.MoveForm(request.POST, prefix="move")
            if not form.is_valid():
                return _invalid(request, achievement, move_form=form)
            to = Learner.objects.filter(uln=form.cleaned_data["uln"].strip()).first()
            if to is None:
                form.add_error("uln", "No learner in the portal has this ULN.")
                return _invalid(request, achievement, move_form=form)
            moved = achievement_move(
                achievement=achievement,
                to_learner=to,
                action_date=form.cleaned_data["action_date"],
                acting_user=request.user,  # type: ignore[arg-type]
            )
            messages.success(request, "Withdrawn here and created for the other learner.")
            return redirect("lrs_sync:achievement", pk=moved.pk)
        else:
            messages.error(request, "Choose what to do with the achievement.")
    except ValidationError as error:
        form_name = {
            "update": "update_form",
            "withdraw": "withdraw_form",
            "reinstate": "reinstate_form",
            "move": "move_form",
        }[action]
        _apply_errors(form, error)
        return _invalid(request, achievement, **{form_name: form})
    return redirect("lrs_sync:achievement", pk=achievement.pk)


def _invalid(request: HttpRequest, achievement: Achievement, **forms_given) -> HttpResponse:
    achievement.refresh_from_db()
    return render(
        request,
        "lrs_sync/achievement_detail.html",
        _detail_context(achievement, **forms_given),
        status=400,
    )


# --- the deadline board (R-RES-3) -----------------------------------------------------------------


@qcf_user
def deadlines(request: HttpRequest) -> HttpResponseBase:
    form = forms.DeadlineFilterForm(request.GET or None)
    provider = form.cleaned_data["provider"] if form.is_valid() else None
    rows = deadline_board(provider_id=provider.pk if provider else None)
    if request.GET.get("format") == "csv":
        return csv_streaming_response(
            filename="lrs-upload-deadlines.csv",
            header=[
                "Status",
                "Working days left",
                "Due",
                "Results issued",
                "ULN",
                "Learner",
                "Provider",
                "Aim",
                "Record state",
            ],
            rows=(
                [
                    r.deadline.status.replace("_", " "),
                    r.deadline.working_days_left,
                    r.deadline.due.isoformat(),
                    r.results_issued.isoformat(),
                    r.achievement.uln,
                    r.achievement.learner.full_name,
                    r.achievement.provider.name,
                    r.achievement.aim_reference,
                    r.achievement.get_state_display(),
                ]
                for r in rows
            ),
        )
    summary = {
        status: sum(1 for r in rows if r.deadline.status == status)
        for status in ("overdue", "at_risk", "due")
    }
    return render(
        request,
        "lrs_sync/achievement_deadlines.html",
        {"form": form, "rows": rows, "summary": summary, "query": request.GET.urlencode()},
    )
