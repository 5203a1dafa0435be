"""The replacement fee income report for AO staff (R-CRT-6), on screen and as CSV."""

from __future__ import annotations

import datetime

from django import forms
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.services import audit_record
from awards_portal.csv_download import csv_streaming_response
from learners.forms import date_field

from .reports import academic_year_start, pounds, replacement_fee_income, replacements_issued


class FeeIncomeFilterForm(forms.Form):
    date_from = date_field("From", required=False, field="from")
    date_to = date_field("To", required=False, field="to")

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "To must be on or after From.")
        return data


def _period(
    request: AuthenticatedHttpRequest,
) -> tuple[FeeIncomeFilterForm, datetime.date, datetime.date, bool]:
    """The dates asked for; this academic year so far when none are given. False if invalid."""
    today = timezone.localdate()
    form = FeeIncomeFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, academic_year_start(today), today, False
    data = form.cleaned_data if request.GET else {}
    date_from = data.get("date_from") or academic_year_start(today)
    date_to = data.get("date_to") or today
    return form, date_from, date_to, True


@capability_required(Capability.CERTIFICATE, ao_only=True)
def replacement_fees(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, date_from, date_to, valid = _period(request)
    income = replacement_fee_income(date_from=date_from, date_to=date_to) if valid else None
    return render(
        request,
        "certificates/replacement_fees.html",
        {
            "form": form,
            "income": income,
            "replacements": replacements_issued(date_from=date_from, date_to=date_to)
            if valid
            else [],
            "query": request.GET.urlencode(),
        },
    )


@capability_required(Capability.CERTIFICATE, ao_only=True)
def replacement_fees_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    _, date_from, date_to, valid = _period(request)
    if not valid:
        return replacement_fees(request)
    audit_record(
        actor=request.user,
        action="certificate.replacement_fees_exported",
        detail={"from": date_from, "to": date_to},
    )
    rows = (
        (
            c.issued_at.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y"),
            c.display_number,
            c.replaces.display_number if c.replaces else "",
            c.provider.name,
            c.provider.centre_number,
            pounds(c.replacement_fee_pence or 0),
            c.replacement_reason,
        )
        for c in replacements_issued(date_from=date_from, date_to=date_to)
    )
    return csv_streaming_response(
        filename=f"replacement-fees-{date_from:%Y-%m-%d}-to-{date_to:%Y-%m-%d}.csv",
        header=[
            "Issued",
            "Certificate number",
            "Replaces",
            "Provider",
            "Centre number",
            "Fee",
            "Reason",
        ],
        rows=rows,
    )
