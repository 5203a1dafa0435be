"""Pages for event data challenges: the EDC resolver's list, Process, the actions an upheld
challenge needs and resolving; the super user's nomination of the resolver."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability
from certificates.models import Certificate
from certificates.selectors import user_may_see_certificates
from learners.models import Learner

from . import challenge_forms as forms
from .achievement_models import Achievement, AimKind
from .challenge_grades import grade_correction_outlook
from .challenge_models import OPEN_STATUSES, ChallengeKind, EventDataChallenge
from .challenge_notices import (
    challenge_age,
    challenge_resolver_nominate,
    challenge_settings,
    resolver_candidates,
)
from .challenges import (
    ChallengeRejected,
    challenge_correct_grade,
    challenge_move_to_learner,
    challenge_process,
    challenge_resolve,
    challenge_withdraw_duplicate,
    challenges_fetch,
    challenges_set_in_progress,
)
from .verification_types import LrsError

resolver_only = capability_required(Capability.RESOLVE_CHALLENGES, ao_only=True)
super_user_only = capability_required(Capability.MANAGE_USERS, ao_only=True)


def _apply_errors(form: Form, error: ValidationError) -> None:
    for name, texts in error.message_dict.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


@resolver_only
def challenge_list(request: HttpRequest) -> HttpResponse:
    """R-EDC-2: filtered by status and type, oldest first, with the age in working days."""
    form = forms.ChallengeFilterForm(request.GET or None)
    status = kind = ""
    if form.is_valid():
        status, kind = form.cleaned_data["status"], form.cleaned_data["kind"]
    challenges = EventDataChallenge.objects.select_related("achievement").order_by(
        "raised_at", "pk"
    )
    if status == "":
        challenges = challenges.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        challenges = challenges.filter(status=status)
    if kind:
        challenges = challenges.filter(kind=kind)
    page = Paginator(challenges, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(c, challenge_age(c, today)) for c in page]
    return render(
        request,
        "lrs_sync/challenges/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "sandpit_enabled": settings.LRS_SANDPIT_ENABLED,
            "query": urlencode({"status": status, "kind": kind}),
        },
    )


@resolver_only
@require_POST
def challenges_fetch_now(request: HttpRequest) -> HttpResponse:
    try:
        outcome = challenges_fetch(acting_user=request.user)  # type: ignore[arg-type]
    except LrsError as error:
        messages.error(request, f"The challenges could not be fetched: {error}")
    else:
        messages.success(
            request,
            f"Fetched from the LRS: {outcome.received} challenge"
            f"{'s' if outcome.received != 1 else ''}, {len(outcome.new)} new.",
        )
    return redirect("lrs_challenges:list")


@resolver_only
@require_POST
def challenges_bulk_in_progress(request: HttpRequest) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("challenge") if value.isdigit()]
    if not ids:
        messages.error(request, "Tick at least one challenge to set to In progress.")
    else:
        changed = challenges_set_in_progress(challenge_ids=ids, acting_user=request.user)  # type: ignore[arg-type]
        messages.success(
            request,
            f"{changed} challenge{'s' if changed != 1 else ''} set to In progress."
            + ("" if changed == len(ids) else " The others were not Open."),
        )
    return redirect("lrs_challenges:list")


@resolver_only
@require_POST
def challenge_process_view(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = get_object_or_404(EventDataChallenge, pk=pk)
    challenge_process(challenge=challenge, acting_user=request.user)  # type: ignore[arg-type]
    return redirect("lrs_challenges:detail", pk=pk)


def _certificates(achievement: Achievement | None) -> list[Certificate]:
    """The certificates that prove the achievement: a unit's own, or the qualification's, which
    lists its units (results.services.certification), with any replacements."""
    if achievement is None or achievement.registration_id is None:
        return []
    references = [f"registration:{achievement.registration_id}"]
    if achievement.aim_kind == AimKind.UNIT:
        references.append(
            f"registration:{achievement.registration_id}:unit:{achievement.aim_reference}"
        )
    return list(
        Certificate.objects.filter(achievement_reference__in=references).order_by("issued_at")
    )


def _duplicate_choices(challenge: EventDataChallenge) -> list[tuple[int, str]]:
    return [
        (
            a.pk,
            f"{a.aim_reference} for ULN {a.uln} awarded {a.award_date:%d/%m/%Y} "
            f"({a.get_state_display()})",
        )
        for a in (challenge.achievement, challenge.second_achievement)
        if a is not None and not a.withdrawn
    ]


@resolver_only
@require_http_methods(["GET", "POST"])
def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = get_object_or_404(
        EventDataChallenge.objects.select_related(
            "achievement__learner", "second_achievement__learner", "resolved_by"
        ),
        pk=pk,
    )
    resolve_form = forms.ResolveForm()
    withdraw_form = forms.WithdrawDuplicateForm(choices=_duplicate_choices(challenge))
    move_form = forms.MoveForm()
    grade_form = forms.CorrectGradeForm(initial={"grade": challenge.supplied_grade})
    acting_user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "resolve":
                resolve_form = forms.ResolveForm(request.POST)
                if resolve_form.is_valid():
                    challenge_resolve(
                        challenge=challenge,
                        upheld=resolve_form.cleaned_data["outcome"] == "upheld",
                        comment=resolve_form.cleaned_data["comment"],
                        acting_user=acting_user,
                    )
                    messages.success(request, f"Challenge {challenge.reference} resolved.")
                    return redirect("lrs_challenges:detail", pk=pk)
            elif action == "withdraw":
                withdraw_form = forms.WithdrawDuplicateForm(
                    request.POST, choices=_duplicate_choices(challenge)
                )
                if withdraw_form.is_valid():
                    achievement = get_object_or_404(
                        Achievement, pk=withdraw_form.cleaned_data["achievement"]
                    )
                    challenge_withdraw_duplicate(
                        challenge=challenge,
                        achievement=achievement,
                        action_date=withdraw_form.cleaned_data["action_date"],
                        acting_user=acting_user,
                    )
                    messages.success(
                        request, "The duplicate is withdrawn; the next batch carries it."
                    )
                    return redirect("lrs_challenges:detail", pk=pk)
            elif action == "move":
                move_form = forms.MoveForm(request.POST)
                if move_form.is_valid():
                    uln = move_form.cleaned_data["uln"].strip()
                    to_learner = Learner.objects.filter(uln=uln).order_by("pk").first()
                    if to_learner is None:
                        move_form.add_error("uln", "No learner in the portal has this ULN.")
                    else:
                        challenge_move_to_learner(
                            challenge=challenge,
                            to_learner=to_learner,
                            action_date=move_form.cleaned_data["action_date"],
                            acting_user=acting_user,
                        )
                        messages.success(
                            request,
                            f"Moved to ULN {uln}: withdrawn and created again; the next batch "
                            "carries both.",
                        )
                        return redirect("lrs_challenges:detail", pk=pk)
            elif action == "grade":
                grade_form = forms.CorrectGradeForm(request.POST)
                if grade_form.is_valid():
                    challenge_correct_grade(
                        challenge=challenge,
                        grade=grade_form.cleaned_data["grade"],
                        acting_user=acting_user,
                    )
                    # What was done, as the challenge's history now says it.
                    done = challenge.history.order_by("-pk").values_list("note", flat=True)
                    messages.success(request, done[0])
                    return redirect("lrs_challenges:detail", pk=pk)
        except ValidationError as error:
            form: Form = {
                "resolve": resolve_form,
                "withdraw": withdraw_form,
                "move": move_form,
                "grade": grade_form,
            }.get(action, resolve_form)
            _apply_errors(form, error)
        challenge.refresh_from_db()
    held = challenge.achievement
    grade_offered, grade_outlook = grade_correction_outlook(challenge)
    return render(
        request,
        "lrs_sync/challenges/detail.html",
        {
            "challenge": challenge,
            "age": challenge_age(challenge),
            "achievement": held,
            "achievement_history": list(held.history.select_related("actor")) if held else [],
            "second": challenge.second_achievement,
            "certificates": _certificates(held),
            "history": list(challenge.history.select_related("actor")),
            "resolve_form": resolve_form,
            "withdraw_form": withdraw_form,
            "move_form": move_form,
            "grade_form": grade_form,
            "grade_offered": grade_offered,
            "grade_outlook": grade_outlook,
            "workable": challenge.status == "in_progress",
            # The achievement's own page is the QCF user's; the history above serves the rest.
            "can_open_achievements": acting_user.can(Capability.UPLOAD_ACHIEVEMENTS),
            "can_open_certificates": user_may_see_certificates(user=acting_user),
            "kinds": ChallengeKind,
        },
    )


@super_user_only
@require_http_methods(["GET", "POST"])
def resolver_settings(request: HttpRequest) -> HttpResponse:
    """R-EDC-4: the AO's nominated EDC resolver, a setting only super users change."""
    settings_row = challenge_settings()
    candidates = resolver_candidates()
    choices = [(u.pk, f"{u.full_name} ({u.email})") for u in candidates]
    form = forms.NominateResolverForm(
        request.POST or None,
        choices=choices,
        initial={"resolver": settings_row.resolver_id if settings_row else None},
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["resolver"]
        resolver = next((u for u in candidates if u.pk == chosen), None)
        try:
            challenge_resolver_nominate(resolver=resolver, acting_user=request.user)  # type: ignore[arg-type]
        except ChallengeRejected as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{resolver.full_name} is now the nominated EDC resolver."
                if resolver
                else "Nobody is nominated: every EDC resolver is emailed.",
            )
            return redirect("lrs_challenges:settings")
    return render(
        request,
        "lrs_sync/challenges/settings.html",
        {"form": form, "settings_row": settings_row},
    )
