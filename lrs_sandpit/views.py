"""The sandpit's SOAP endpoint and its pages: the register, and adding a learner to it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from awards_portal.query_parameters import query_shortened_message, query_text

from .forms import RegisteredLearnerForm
from .selectors import register_page
from .services import registered_learner_add
from .soap_endpoint import soap_endpoint_response
from .soap_service import learner_service, server_fault


@csrf_exempt
def learner_service_endpoint(request: HttpRequest) -> HttpResponse:
    """LearnerService.svc: ULN verification, as the LRS publishes it."""
    return soap_endpoint_response(
        request,
        service_name="LearnerService",
        service=lambda message, content_type, action: learner_service(
            message, content_type=content_type, soap_action=action
        ),
        server_fault=server_fault,
    )


@login_required
def register(request: HttpRequest) -> HttpResponse:
    search, shortened = query_text(request.GET.get("q"))
    if shortened:
        messages.info(request, query_shortened_message())
    page = register_page(search=search, page_number=request.GET.get("page", "1"))
    return render(request, "lrs_sandpit/register.html", {"page": page, "search": search})


@login_required
@require_http_methods(["GET", "POST"])
def learner_add(request: HttpRequest) -> HttpResponse:
    form = RegisteredLearnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        learner = registered_learner_add(**form.service_arguments())
        messages.success(request, f"ULN {learner.uln} added to the sandpit register.")
        return redirect("lrs_sandpit:register")
    return render(request, "lrs_sandpit/learner_add.html", {"form": form})


@csrf_exempt
def external_service_endpoint(request: HttpRequest) -> HttpResponse:
    """ExternalService.svc: achievement batches. A failure inside the sandpit is left to the
    portal's error page: the contract's faults name no server error code for this service."""
    from .achievements import external_service

    return soap_endpoint_response(
        request,
        service_name="ExternalService",
        service=lambda message, content_type, action: external_service(
            message, content_type=content_type, soap_action_header=action
        ),
        server_fault=None,
    )
