"""Certificate pages: the public check, and the signed-in lists, downloads and AO actions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.datastructures import MultiValueDict
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.context import client_ip_from_request
from awards_portal.list_sorting import SortColumn, list_sort

from . import selectors, services
from .forms import (
    PdfCheckForm,
    ReplaceForm,
    RevokeForm,
    VerifyForm,
    pdf_upload_limit,
    verify_query_cleaned,
)
from .models import Certificate, RenderJob
from .validators import (
    certificate_number_is_valid,
    certificate_number_normalise,
    qr_token_is_well_formed,
    search_text_clean,
)

# --- public pages (no sign-in) ------------------------------------------------------------


def _public_context(**extra: Any) -> dict[str, Any]:
    return {"verify_url": reverse("certificates:verify"), **extra}


def _result_html(result: Any, **variant: bool) -> str:
    """The result fragment: kept with the certificate for a match, rendered for anything else."""
    if result is None:
        return ""
    if result.html:
        return mark_safe(result.html)  # noqa: S308 - rendered by public_cache.result_html
    return render_to_string(
        "certificates/public/_result.html",
        {"result": result, "ao_name": settings.AO_NAME, **variant},
    )


# --- the public pages for visitors who are not signed in, without the template stack ------
#
# A visitor with no session and no pending messages sees the same page whoever they are, apart
# from the result and what they typed. Each process renders such a page once, through the full
# template stack, with markers where those go, and then answers by joining the pieces: the
# page is identical to a full render (tests/test_public_fast_pages.py), for a fraction of the
# cost. A signed-in visitor always gets a full render, around the same result fragment.

_RESULT, _NAME, _NUMBER = (f"\ue000{field}\ue000" for field in ("result", "name", "number"))
_MARKS = re.compile("(\ue000(?:result|name|number)\ue000)")
_shells: dict[tuple[str, ...], list[str]] = {}


def _anonymous(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def _shell(request: HttpRequest, template: str, context: Callable[[], dict[str, Any]]) -> list[str]:
    key = (template, settings.AO_NAME, settings.STATIC_URL)
    if key not in _shells:
        _shells[key] = _MARKS.split(render_to_string(template, context(), request=request))
    return _shells[key]


def _fast_page(shell: list[str], values: dict[str, str], status: int) -> HttpResponse:
    page = "".join(
        values.get(part, part) if index % 2 else part for index, part in enumerate(shell)
    )
    response = HttpResponse(page, status=status)
    patch_vary_headers(response, ("Cookie",))  # as the full render's session middleware does
    return response


def _fast_check_page(request: HttpRequest, result_html: str, status: int) -> HttpResponse:
    shell = _shell(
        request,
        "certificates/public/check.html",
        lambda: _public_context(result_html=_RESULT, checked=True, by_token=True),
    )
    return _fast_page(shell, {_RESULT: result_html}, status)


def _fast_verify_page(
    request: HttpRequest, result_html: str, name: str, number: str, status: int
) -> HttpResponse:
    shell = _shell(
        request,
        "certificates/public/verify.html",
        lambda: _public_context(
            form=VerifyForm(initial={"name": _NAME, "number": _NUMBER}),
            pdf_form=PdfCheckForm(),
            checked=True,
            result_html=_RESULT,
        ),
    )
    values = {_RESULT: result_html, _NAME: escape(name), _NUMBER: escape(number)}
    return _fast_page(shell, values, status)


@csrf_exempt  # see _read_pdf_upload: the size is checked before Django reads the body
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Check by learner name + certificate number (GET), or is-this-PDF-genuine (POST)."""
    client = client_ip_from_request(request)
    asked = request.method != "POST" and ("name" in request.GET or "number" in request.GET)
    if asked and _anonymous(request):
        answered = _anonymous_check_by_link(request, client)
        if answered is not None:
            return answered
    context = _public_context(form=VerifyForm(), pdf_form=PdfCheckForm())
    status = 200
    if request.method == "POST":
        pdf_form, result = _check_uploaded_pdf(request, client)
        context.update(pdf_form=pdf_form, pdf_checked=result is not None, result=result)
        context["result_html"] = _result_html(result, pdf_checked=True)
        if result is not None and result.throttled:
            status = 429
    elif asked:
        form = VerifyForm(request.GET)
        context["form"] = form
        if form.is_valid():
            result = services.certificate_check_by_name_and_number(
                learner_name=form.cleaned_data["name"],
                number=form.cleaned_data["number"],
                client_address=client,
            )
            status = 429 if result.throttled else 200
            context.update(checked=True, result=result, result_html=_result_html(result))
    response = render(request, "certificates/public/verify.html", context, status=status)
    return _public_response(response, context.get("result"))


def _anonymous_check_by_link(request: HttpRequest, client: str | None) -> HttpResponse | None:
    """The check by name and number for a visitor not signed in, cleaned without building the
    form; None if what was typed is refused, so that the form says what is wrong."""
    typed = verify_query_cleaned(request.GET)
    if typed is None:
        return None
    result = services.certificate_check_by_name_and_number(
        learner_name=typed[0], number=typed[1], client_address=client
    )
    response = _fast_verify_page(
        request,
        _result_html(result),
        request.GET.get("name", ""),
        request.GET.get("number", ""),
        429 if result.throttled else 200,
    )
    return _public_response(response, result)


def _check_uploaded_pdf(
    request: HttpRequest, client: str | None
) -> tuple[PdfCheckForm, services.CheckResult | None]:
    # The view is exempt from CSRF so that an oversized upload is refused from its declared
    # length before anything reads the body (the CSRF check would read it first). A cross-site
    # post could only make a check, which changes nothing and is throttled and recorded.
    limit = pdf_upload_limit()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + 64 * 1024:
        form = PdfCheckForm(data={}, files=MultiValueDict())
        form.is_valid()
        form.errors["file"] = form.error_class(
            [
                f"The file is {declared / 1024 / 1024:.1f} MB; a certificate PDF is never more "
                f"than {limit / 1024 / 1024:.0f} MB. Choose the certificate's PDF file."
            ]
        )
        return form, None
    form = PdfCheckForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None
    return form, services.certificate_check_by_pdf(
        content=form.cleaned_data["file"], client_address=client
    )


def _public_response(response: HttpResponse, result: Any) -> HttpResponse:
    """No shared cache may keep a result: a certificate can be revoked a minute later (L3)."""
    response["Cache-Control"] = "no-store"
    throttled = getattr(result, "throttled", None)
    if throttled:
        response["Retry-After"] = str(throttled.retry_after_seconds)
    return response


@require_safe  # QR apps and link previewers send HEAD
def check_by_token(request: HttpRequest, token: str) -> HttpResponse:
    """Where the QR code on a certificate leads."""
    if not qr_token_is_well_formed(token):
        token = ""
    result = services.certificate_check_by_token(
        token=token, client_address=client_ip_from_request(request)
    )
    status = 429 if result.throttled else (200 if result.matched else 404)
    result_html = _result_html(result, by_token=True)
    if _anonymous(request):
        return _public_response(_fast_check_page(request, result_html, status), result)
    context = _public_context(result=result, checked=True, by_token=True, result_html=result_html)
    response = render(request, "certificates/public/check.html", context, status=status)
    return _public_response(response, result)


# --- signed-in pages ----------------------------------------------------------------------


def _require_certificate_access(user: Any) -> None:
    if not selectors.user_may_see_certificates(user=user):
        raise PermissionDenied


def _certificate_for(request: AuthenticatedHttpRequest, number: str) -> Certificate:
    canonical = certificate_number_normalise(number)
    if not certificate_number_is_valid(canonical):  # junk or NUL bytes: no query, just 404
        raise Http404("No such certificate.")
    certificates = selectors.certificates_visible_to(user=request.user)
    return get_object_or_404(certificates, number=canonical)


def _job_for(request: AuthenticatedHttpRequest, pk: int) -> RenderJob:
    return get_object_or_404(selectors.render_jobs_visible_to(user=request.user), pk=pk)


CERTIFICATE_SORTS = (
    SortColumn("number", "Certificate number", ("number",)),
    SortColumn("learner", "Learner", ("learner_name",)),
    SortColumn("qualification", "Qualification or units", ("qualification_title",)),
    SortColumn("award_date", "Award date", ("award_date",)),
    SortColumn("status", "Status", ("status",)),
    SortColumn("provider", "Provider", ("provider__organisation__name",)),
    SortColumn("issued", "Issued", ("issued_at",)),
)


@login_required
def certificate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_certificate_access(request.user)
    search = search_text_clean(request.GET.get("q", ""))[:100]
    status = request.GET.get("status", "")
    if status not in Certificate.Status.values:
        status = ""
    sort = list_sort(request.GET, CERTIFICATE_SORTS, default="-issued")
    certificates = selectors.certificates_list(
        user=request.user, search=search, status=status, ordering=sort.ordering
    )
    page = Paginator(certificates, 50).get_page(request.GET.get("page"))
    show_checks = request.user.is_ao_staff
    if show_checks:  # counted only when shown, and only for this page's certificates
        counts = selectors.certificate_match_counts(certificate_ids=[c.pk for c in page])
        for certificate in page:
            certificate.check_count = counts.get(certificate.pk, 0)  # type: ignore[attr-defined]
    services.certificate_list_viewed(
        acting_user=request.user, search=search, status=status, page=page.number
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "search": search,
        "status": status,
        "statuses": Certificate.Status.choices,
        "show_checks": show_checks,
        "sort": sort,
        "query": query.urlencode(),
    }
    return render(request, "certificates/certificate_list.html", context)


@login_required
def certificate_detail(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    _require_certificate_access(request.user)
    certificate = _certificate_for(request, number)
    context = {
        "certificate": certificate,
        "may_download": services.user_may_download(
            user=request.user, provider=certificate.provider
        ),
        "may_act": request.user.is_ao_staff and request.user.can(Capability.CERTIFICATE),
        "check_counts": (
            selectors.certificate_check_counts(certificate=certificate)
            if request.user.is_ao_staff
            else {}
        ),
        "replacement": getattr(certificate, "replaced_by", None),
    }
    return render(request, "certificates/certificate_detail.html", context)


def _pdf_response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_pdf(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    _require_certificate_access(request.user)
    certificate = _certificate_for(request, number)
    try:
        content = services.certificate_pdf_download(
            certificate=certificate, acting_user=request.user
        )
    except services.CertificateReplaced as replaced:
        messages.info(request, " ".join(replaced.messages))
        return redirect("certificates:pdf", number=replaced.current.number)
    except services.CertificateRevoked:
        # A page that says so, not the PDF (decision 0155); 410: it is gone for good.
        return render(
            request,
            "certificates/certificate_pdf_revoked.html",
            {"certificate": certificate},
            status=410,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("certificates:detail", number=certificate.number)
    except services.StoredPdfError:
        messages.error(request, services.StoredPdfError.user_message)
        return redirect("certificates:detail", number=certificate.number)
    return _pdf_response(content, f"certificate-{certificate.number}.pdf")


@capability_required(Capability.CERTIFICATE, ao_only=True)
def certificate_replace(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    certificate = _certificate_for(request, number)
    form = ReplaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.certificate_replace(
                certificate=certificate,
                reason=form.cleaned_data["reason"],
                fee_pence=form.fee_pence(),
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Replacement certificate {new.display_number} issued; "
                f"{certificate.display_number} now checks as replaced. The provider will be told.",
            )
            return redirect("certificates:detail", number=new.number)
    context = {"certificate": certificate, "form": form}
    return render(request, "certificates/certificate_replace.html", context)


@capability_required(Capability.CERTIFICATE, ao_only=True)
def certificate_revoke(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    certificate = _certificate_for(request, number)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_revoke(
                certificate=certificate,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Certificate {certificate.display_number} is revoked. The provider will be told.",
            )
            return redirect("certificates:detail", number=certificate.number)
    context = {"certificate": certificate, "form": form}
    return render(request, "certificates/certificate_revoke.html", context)


# --- render jobs (batches) ----------------------------------------------------------------


@login_required
def job_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_certificate_access(request.user)
    failed_only = request.GET.get("status") == RenderJob.Status.FAILED
    if failed_only:
        jobs = selectors.render_jobs_failed(user=request.user)
    else:
        jobs = selectors.render_jobs_visible_to(user=request.user)
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    context = {"page": page, "failed_only": failed_only, "status": request.GET.get("status", "")}
    return render(request, "certificates/job_list.html", context)


@login_required
def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _require_certificate_access(request.user)
    job = _job_for(request, pk)
    contents = selectors.render_job_contents(job=job)
    context = {
        "job": job,
        "job_error": _job_error_for(request.user, job),
        "may_download": services.user_may_download(user=request.user, provider=job.provider),
        "may_act": request.user.is_ao_staff and request.user.can(Capability.CERTIFICATE),
        "may_retry": services.render_job_may_retry(job=job),
        "stalled_message": _job_stalled_message(job),
        "certificates": job.certificates.order_by("learner_name", "pk"),
        "left_out": contents.left_out,
        "progress_url": reverse("certificates:job_progress", args=[job.pk]),
    }
    services.render_job_viewed(job=job, acting_user=request.user)
    return render(request, "certificates/job_detail.html", context)


JOB_FAILED_MESSAGE = (
    "Rendering stopped. The awarding organisation has been told and will render the "
    "certificates again."
)


def _job_stalled_message(job: RenderJob) -> str:
    """A job whose worker stopped reporting says so, with the time of its last progress."""
    if not services.render_job_is_stale(job):
        return ""
    last = timezone.localtime(job.progress_at)
    return (
        f"Stalled: no progress since {last:%H:%M:%S} on {last.day} {last:%B %Y}. "
        "Rendering resumes by itself within a few minutes."
    )


def _job_error_for(user: Any, job: RenderJob) -> str:
    """The error as recorded for AO staff; a plain message for providers (no internals)."""
    if job.status != RenderJob.Status.FAILED:
        return ""
    if user.is_ao_staff:
        return f"Rendering stopped: {job.error}" if job.error else JOB_FAILED_MESSAGE
    return JOB_FAILED_MESSAGE


@login_required
def job_progress(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """Polled by static/js/render-progress.js while a job runs."""
    _require_certificate_access(request.user)
    job = _job_for(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "rendered": job.rendered,
            "total": job.total,
            "percent": job.percent,
            "finished": job.is_finished,
            "error": _job_error_for(request.user, job),
            "stalled": _job_stalled_message(job),
        }
    )


@login_required
def job_zip(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _require_certificate_access(request.user)
    job = _job_for(request, pk)
    try:
        content = services.render_job_zip_download(job=job, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("certificates:job_detail", pk=job.pk)
    except services.StoredPdfError:
        messages.error(request, services.StoredPdfError.user_message)
        return redirect("certificates:job_detail", pk=job.pk)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="certificates-batch-{job.pk}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


@capability_required(Capability.CERTIFICATE, ao_only=True)
def job_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        content = services.render_job_print_pdf(job=job, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("certificates:job_detail", pk=job.pk)
    except services.StoredPdfError:
        messages.error(request, services.StoredPdfError.user_message)
        return redirect("certificates:job_detail", pk=job.pk)
    return _pdf_response(content, f"certificates-batch-{job.pk}-print.pdf", inline=True)


@require_POST
@capability_required(Capability.CERTIFICATE, ao_only=True)
def job_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        services.render_job_retry(job=job, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The batch is queued to render again.")
    return redirect("certificates:job_detail", pk=job.pk)


def bench_trivial(request: HttpRequest) -> HttpResponse:
    """A do-nothing page for bench/verify_load.py's baseline; off unless the bench turns it on."""
    if not getattr(settings, "CERTIFICATES_BENCH_TRIVIAL_VIEW", False):
        raise Http404
    return HttpResponse("ok", content_type="text/plain")
