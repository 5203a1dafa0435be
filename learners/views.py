"""Learner pages: the searchable list (every view audited, R-ACC-7), a learner's page, and the
AO's "Not known" report (R-LRN-6)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.services import audit_record
from awards_portal.list_sorting import SortColumn, list_sort
from awards_portal.query_parameters import query_id, query_shortened_message, query_text
from registrations.models import RegistrationStatus
from registrations.numbers import registration_number_for_phone
from registrations.selectors import course_runs_visible_to, registrations_visible_to

from .choices import DEMOGRAPHIC_QUESTIONS, Gender
from .forms import LearnerDetailsForm
from .models import Learner
from .selectors import learner_story, learners_search, learners_visible_to, not_known_report
from .services import LEARNER_FIELDS, LearnerRejected, learner_data_viewed, learner_update

PAGE_SIZE = 50
LEARNER_SORTS = (
    SortColumn("name", "Name", ("family_name", "given_name")),
    SortColumn("uln", "ULN", ("uln",)),
    SortColumn("date_of_birth", "Date of birth", ("date_of_birth",)),
    SortColumn("provider", "Provider", ("provider__organisation__name",)),
    SortColumn("postcode", "Postcode", ("postcode",)),
)


@capability_required(Capability.VIEW_LEARNERS)
def learner_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    search, shortened = query_text(request.GET.get("q"))
    if shortened:
        messages.info(request, query_shortened_message())
    course_run_id = query_id(request.GET.get("course_run"))
    status = request.GET.get("status", "")
    if status not in RegistrationStatus.values:
        status = ""
    sort = list_sort(request.GET, LEARNER_SORTS, default="name")
    learners = learners_search(
        user=request.user, search=search, course_run_id=course_run_id, status=status
    ).order_by(*sort.ordering, "pk")
    page = Paginator(learners, PAGE_SIZE).get_page(request.GET.get("page"))
    learner_data_viewed(
        acting_user=request.user,
        action="learner.list_viewed",
        learner_ids=[learner.pk for learner in page],
        detail={
            "search": search,
            "course_run": course_run_id,
            "status": status,
            "page": page.number,
        },
    )
    query = request.GET.copy()
    query.pop("page", None)
    visible_runs = course_runs_visible_to(user=request.user)
    chosen_course_run = (
        visible_runs.filter(pk=course_run_id).first() if course_run_id is not None else None
    )
    # AO staff see every centre's runs: too many for a list. They filter from a course run's
    # page (its link carries the id), and the chosen run is shown with a way to remove it.
    course_runs = (
        visible_runs.none() if request.user.is_ao_staff else visible_runs.order_by("programme_name")
    )
    return render(
        request,
        "learners/learner_list.html",
        {
            "page": page,
            "search": search,
            "course_run_id": course_run_id,
            "status": status,
            "statuses": RegistrationStatus.choices,
            "course_runs": course_runs,
            "chosen_course_run": chosen_course_run,
            "query": query.urlencode(),
            "sort": sort,
        },
    )


@capability_required(Capability.VIEW_LEARNERS)
def learner_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    from lrs_sync.achievement_selectors import achievements_for_learner

    learner = get_object_or_404(learners_visible_to(user=request.user), pk=pk)
    registrations = registrations_visible_to(user=request.user).filter(learner=learner)
    learner_data_viewed(
        acting_user=request.user, action="learner.viewed", target=learner, learner_ids=[learner.pk]
    )
    rows = [
        (registration, registration_number_for_phone(registration.registration_number or ""))
        for registration in registrations
    ]
    return render(
        request,
        "learners/learner_detail.html",
        {
            "learner": learner,
            "registrations": rows,
            "verification": _verification(learner, ao_staff=request.user.is_ao_staff),
            "story": learner_story(learner=learner, registrations=registrations),
            "achievements": achievements_for_learner(learner_id=learner.pk),
            "can_edit": request.user.is_provider_user
            and request.user.can(Capability.MANAGE_REGISTRATIONS),
        },
    )


@capability_required(Capability.MANAGE_REGISTRATIONS)
def learner_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A centre corrects a learner's details with the checks of registering (R-LRN-1 to
    R-LRN-6); the change is audited, and a change the LRS checks makes it unverified (R-LRN-7)."""
    if not request.user.is_provider_user:
        raise PermissionDenied
    learner = get_object_or_404(learners_visible_to(user=request.user), pk=pk)
    initial = {name: getattr(learner, name) for name in LEARNER_FIELDS}
    form = LearnerDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            learner_update(
                learner=learner, details=form.learner_details(), acting_user=request.user
            )
        except LearnerRejected as rejected:
            form.apply_errors(rejected.errors)
        else:
            messages.success(request, f"{learner.full_name}'s details are saved.")
            return redirect("learners:detail", pk=learner.pk)
    return render(request, "learners/learner_edit.html", {"form": form, "learner": learner})


def _verification(learner: Learner, *, ao_staff: bool) -> dict[str, object]:
    """The learner's last verification in words, and the portal's and the LRS's values side by
    side (R-LRN-7).

    Unless the LRS matched this very person, its values may be someone else's (a mistyped ULN
    belongs to another learner): only AO staff see them then, never the centre."""
    from lrs_sync.verification_types import EXACT_MATCH, LINKED_MATCH
    from lrs_sync.verification_words import code_in_words, flag_in_words, next_step

    code = learner.verification_code
    if not code:
        return {"code": ""}
    lrs_gender = Gender(learner.lrs_gender).label if learner.lrs_gender in Gender.values else ""
    flags = set(learner.verification_flags)
    if not ao_staff and code not in (EXACT_MATCH, LINKED_MATCH):
        return {
            "code": code,
            "code_words": code_in_words(code),
            "flags": [(flag, flag_in_words(flag)) for flag in learner.verification_flags],
            "next_step": next_step(code, flags, master_uln=""),
            "lrs_values_withheld": True,
        }
    return {
        "code": code,
        "code_words": code_in_words(code),
        "flags": [(flag, flag_in_words(flag)) for flag in learner.verification_flags],
        "next_step": next_step(code, flags, master_uln=learner.lrs_uln),
        "may_use_master": code == LINKED_MATCH
        and learner.lrs_uln
        and learner.lrs_uln != learner.uln,
        "side_by_side": [
            (
                "ULN",
                learner.uln,
                learner.lrs_uln,
                learner.lrs_uln and learner.uln != learner.lrs_uln,
            ),
            ("Given name", learner.given_name, learner.lrs_given_name, bool(flags & {"VRF1"})),
            ("Family name", learner.family_name, learner.lrs_family_name, bool(flags & {"VRF5"})),
            (
                "Date of birth",
                learner.date_of_birth.strftime("%d/%m/%Y"),
                learner.lrs_date_of_birth.strftime("%d/%m/%Y") if learner.lrs_date_of_birth else "",
                "VRF7" in flags,
            ),
            ("Gender", learner.get_gender_display(), lrs_gender, "VRF8" in flags),
        ],
    }


@capability_required(Capability.VIEW_LEARNERS)
def not_known_report_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """AO staff see every provider's figures; a centre sees its own (R-LRN-6, R-ACC-6)."""
    report = not_known_report(user=request.user)
    audit_record(actor=request.user, action="learner.not_known_report_viewed")
    return render(
        request,
        "learners/not_known_report.html",
        {
            "report": report,
            "questions": [q for q, _, _, _ in DEMOGRAPHIC_QUESTIONS],
            "can_export": request.user.can(Capability.EXPORT_DATA),
        },
    )
