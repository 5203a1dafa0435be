"""The sandpit's SOAP endpoint and its pages: the register, and adding a learner to it."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from awards_portal.query_parameters import query_shortened_message, query_text
from lrs_sync.soap import CONTENT_TYPE, MAX_MESSAGE_BYTES

from .forms import RegisteredLearnerForm
from .selectors import register_page
from .services import registered_learner_add
from .soap_service import learner_service, server_fault

logger = logging.getLogger(__name__)


@csrf_exempt
def learner_service_endpoint(request: HttpRequest) -> HttpResponse:
    """LearnerService.svc: SOAP 1.1 over POST, as the LRS publishes it."""
    if request.method != "POST":
        response = HttpResponse(
            "LearnerService answers SOAP 1.1 requests sent by POST as text/xml.\n",
            content_type="text/plain; charset=utf-8",
            status=405,
        )
        response["Allow"] = "POST"
        return response
    # Read the stream ourselves: a large batch is bigger than Django's form-data limit.
    message = request.read(MAX_MESSAGE_BYTES + 1)
    try:
        answer = learner_service(
            message,
            content_type=request.content_type or "",
            soap_action=request.headers.get("SOAPAction"),
        )
    except Exception:
        # Like the LRS, answer a SOAP fault rather than an HTML error page.
        logger.exception("The LRS sandpit could not answer a LearnerService request")
        answer = server_fault()
    return HttpResponse(answer.content, status=answer.status, content_type=CONTENT_TYPE)


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
    """ExternalService.svc: achievement batches, SOAP 1.1 over POST."""
    from .achievements import external_service

    if request.method != "POST":
        response = HttpResponse(
            "ExternalService answers SOAP 1.1 requests sent by POST as text/xml.\n",
            content_type="text/plain; charset=utf-8",
            status=405,
        )
        response["Allow"] = "POST"
        return response
    message = request.read(MAX_MESSAGE_BYTES + 1)
    answer = external_service(
        message,
        content_type=request.content_type or "",
        soap_action_header=request.headers.get("SOAPAction"),
    )
    return HttpResponse(answer.content, status=answer.status, content_type=CONTENT_TYPE)
