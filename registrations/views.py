"""Pages for registering learners one at a time, course runs and voiding (issue 4 items 3-4)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from awards_portal.query_parameters import query_id, query_shortened_message, query_text
from learners.selectors import learners_visible_to
from learners.services import learner_data_viewed
from providers.models import Provider
from providers.selectors import providers_visible_to

from .forms import (
    CourseRunForm,
    ProviderRegistrationEditForm,
    RegisterExistingLearnerForm,
    RegisterLearnerForm,
    RegistrationEditForm,
    VoidForm,
)
from .numbers import registration_number_for_phone
from .selectors import course_runs_visible_to, course_runs_with_counts, registrations_visible_to
from .services import RegistrationRejected, registration_void

COURSE_RUN_PAGE_SIZE = 50


def _own_provider(request: AuthenticatedHttpRequest) -> Provider:
    """Registering is done by a provider's own users, for their own centre (R-ACC-6)."""
    if request.user.is_ao_staff:
        raise PermissionDenied
    return get_object_or_404(providers_visible_to(user=request.user))


def _registered_message(request: AuthenticatedHttpRequest, registration: object) -> None:
    number = registration_number_for_phone(registration.registration_number or "")  # type: ignore[attr-defined]
    messages.success(
        request,
        f"{registration.learner.full_name} is registered. Registration number: {number}.",  # type: ignore[attr-defined]
    )


@capability_required(Capability.MANAGE_REGISTRATIONS)
def register_learner(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One page: the learner's details and the course run; ends on the learner's page."""
    provider = _own_provider(request)
    form = RegisterLearnerForm(request.POST or None, user=request.user, provider=provider)
    if request.method == "POST" and form.is_valid():
        registration = form.save()
        if registration is not None:
            _registered_message(request, registration)
            return redirect("learners:detail", pk=registration.learner_id)
    initial_course_run = query_id(request.GET.get("course_run"))
    if request.method == "GET" and initial_course_run is not None:
        form.initial["course_run"] = initial_course_run
    return render(request, "registrations/register.html", {"form": form, "provider": provider})


@require_POST
@capability_required(Capability.MANAGE_REGISTRATIONS)
def register_learner_check(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The registration form's rules for one field, for checking as the user leaves it.

    Runs exactly the form (and so the validators and services) the page submits to, and returns
    only the named field's messages. An empty field is not reported until the form is sent."""
    provider = _own_provider(request)
    name = request.POST.get("field", "")
    form = RegisterLearnerForm(request.POST, user=request.user, provider=provider)
    if name not in form.fields:
        return JsonResponse({"error": "Unknown field."}, status=400)
    form.is_valid()
    value = request.POST.get(name, "").strip()
    errors = [str(e) for e in form.errors.get(name, [])] if value else []
    return JsonResponse(
        {"field": name, "errors": errors, "possible_duplicate": form.possible_duplicate}
    )


@capability_required(Capability.MANAGE_REGISTRATIONS)
def register_existing_learner(request: AuthenticatedHttpRequest, learner_pk: int) -> HttpResponse:
    _own_provider(request)
    learner = get_object_or_404(learners_visible_to(user=request.user), pk=learner_pk)
    form = RegisterExistingLearnerForm(request.POST or None, user=request.user, learner=learner)
    if request.method == "POST" and form.is_valid():
        registration = form.save()
        if registration is not None:
            _registered_message(request, registration)
            return redirect("learners:detail", pk=learner.pk)
    return render(
        request, "registrations/register_existing.html", {"form": form, "learner": learner}
    )


@capability_required(Capability.VIEW_LEARNERS)
def course_run_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    search, shortened = query_text(request.GET.get("q"))
    if shortened:
        messages.info(request, query_shortened_message())
    course_runs = course_runs_with_counts(user=request.user, search=search).order_by(
        "-start_date", "programme_name", "pk"
    )
    page = Paginator(course_runs, COURSE_RUN_PAGE_SIZE).get_page(request.GET.get("page"))
    query = QueryDict(mutable=True)
    if search:
        query["q"] = search
    return render(
        request,
        "registrations/course_run_list.html",
        {
            "page": page,
            "course_runs": page.object_list,
            "search": search,
            "query": query.urlencode(),
        },
    )


@capability_required(Capability.VIEW_LEARNERS)
def course_run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course_run = get_object_or_404(course_runs_visible_to(user=request.user), pk=pk)
    registrations = list(
        registrations_visible_to(user=request.user)
        .filter(course_run=course_run)
        .order_by("learner__family_name", "learner__given_name", "pk")
    )
    learner_data_viewed(
        acting_user=request.user,
        action="course_run.learners_viewed",
        target=course_run,
        learner_ids=[registration.learner_id for registration in registrations],
    )
    return render(
        request,
        "registrations/course_run_detail.html",
        {"course_run": course_run, "registrations": registrations},
    )


@capability_required(Capability.MANAGE_REGISTRATIONS)
def course_run_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = _own_provider(request)
    form = CourseRunForm(request.POST or None, user=request.user, provider=provider)
    if request.method == "POST" and form.is_valid():
        course_run = form.save()
        if course_run is not None:
            messages.success(request, f"Course run {course_run.programme_name} created.")
            return redirect("registrations:course_run_detail", pk=course_run.pk)
    return render(request, "registrations/course_run_form.html", {"form": form})


@capability_required(Capability.VIEW_LEARNERS)
def registration_edit_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The AO's edit form (R-REG-10), behind "void registrations" (the AO super user: AO roles
    hold no "manage registrations"), or a centre's, behind Manage Registration & Certification,
    which sets only what a provider may (R-REG-14)."""
    user = request.user
    if user.is_ao_staff and user.can(Capability.VOID_REGISTRATIONS):
        form_class: type[RegistrationEditForm | ProviderRegistrationEditForm] = RegistrationEditForm
    elif user.is_provider_user and user.can(Capability.MANAGE_REGISTRATIONS):
        form_class = ProviderRegistrationEditForm
    else:
        raise PermissionDenied
    registration = get_object_or_404(registrations_visible_to(user=user), pk=pk)
    form = form_class(request.POST or None, registration=registration, user=user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(request, "The registration is saved.")
            return redirect("learners:detail", pk=registration.learner_id)
    template = (
        "registrations/edit.html"
        if form_class is RegistrationEditForm
        else "registrations/edit_provider.html"
    )
    return render(request, template, {"form": form, "registration": registration})


@capability_required(Capability.VOID_REGISTRATIONS, ao_only=True)
def registration_void_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(registrations_visible_to(user=request.user), pk=pk)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration_void(
                registration=registration,
                reason=form.cleaned_data["void_reason"],
                acting_user=request.user,
            )
        except RegistrationRejected as rejected:
            form.add_error("void_reason", rejected.errors[0].message)
        else:
            messages.success(request, "The registration is void.")
            return redirect("learners:detail", pk=registration.learner_id)
    return render(request, "registrations/void.html", {"form": form, "registration": registration})
