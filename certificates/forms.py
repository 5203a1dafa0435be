"""Forms for checking, replacing and revoking certificates; the rules live in services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.http import QueryDict

from .validators import certificate_number_normalise, certificate_number_problem, looks_like_pdf

DEFAULT_UPLOAD_LIMIT = 5 * 1024 * 1024


def pdf_upload_limit() -> int:
    return int(getattr(settings, "CERTIFICATE_PDF_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_LIMIT))


class VerifyForm(forms.Form):
    """The public check: a GET form, so a link to a check can be shared."""

    name = forms.CharField(
        label="Learner's name",
        max_length=300,
        help_text="As it is printed on the certificate.",
        error_messages={"required": "Enter the learner's name as it is on the certificate."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    number = forms.CharField(
        label="Certificate number",
        max_length=30,
        help_text="Ten letters and digits, for example 7KQ4M-2XHPR.",
        error_messages={"required": "Enter the certificate number."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )

    def clean_number(self) -> str:
        return _number_cleaned(self.cleaned_data["number"])


def _number_cleaned(typed: str) -> str:
    problem = certificate_number_problem(typed)
    if problem:
        raise forms.ValidationError(problem)
    return certificate_number_normalise(typed)


def verify_query_cleaned(query: QueryDict) -> tuple[str, str] | None:
    """The name and number `VerifyForm(query)` cleans, or None where the form shows an error.

    With the form's own fields and rules, without building a form (which copies its fields):
    the check by link is the busiest public page. Anything it refuses goes to the form, which
    says what is wrong.
    """
    fields = VerifyForm.base_fields
    try:
        name = fields["name"].clean(fields["name"].widget.value_from_datadict(query, {}, "name"))
        number = fields["number"].clean(
            fields["number"].widget.value_from_datadict(query, {}, "number")
        )
        return name, _number_cleaned(number)
    except forms.ValidationError:
        return None


class PdfCheckForm(forms.Form):
    """Is this PDF genuine? An uploaded file compared byte for byte with the PDFs issued."""

    file = forms.FileField(
        label="Certificate PDF",
        help_text="The PDF file of an e-certificate, as it was sent to you (up to 5 MB).",
        error_messages={
            "required": "Choose the certificate's PDF file.",
            "empty": "The file you chose is empty: choose the certificate's PDF file.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        limit = pdf_upload_limit()
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; a certificate PDF is never "
                f"more than {limit / 1024 / 1024:.0f} MB. Choose the certificate's PDF file."
            )
        content: bytes = upload.read()
        if not looks_like_pdf(content):
            raise forms.ValidationError(
                "This file is not a PDF. Choose the certificate's PDF file (it ends in .pdf)."
            )
        return content


class ReplaceForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the replacement",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the certificate is being replaced."},
    )
    fee = forms.DecimalField(
        label="Fee charged (£)",
        min_value=Decimal("0"),
        max_value=Decimal("10000"),
        decimal_places=2,
        help_text="Enter 0 if no fee was charged.",
        error_messages={
            "required": "Enter the fee charged, or 0.",
            "invalid": "Enter the fee in pounds, for example 25 or 25.50.",
            "min_value": "The fee cannot be less than 0.",
            "max_value": "The fee cannot be more than £10,000.",
            "max_decimal_places": "Enter the fee in pounds and pence, for example 25.50.",
        },
    )

    def fee_pence(self) -> int:
        return int(self.cleaned_data["fee"] * 100)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason for revoking",
        max_length=1000,
        help_text="Kept in the portal; the public check shows only that it is revoked.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the certificate is being revoked."},
    )
