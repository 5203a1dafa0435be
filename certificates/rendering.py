"""Certificates to PDF with WeasyPrint: one template, the AO's design, fonts shipped in static/.

Rendering is the slow part of certification, so this module keeps what can be shared between
certificates (the parsed stylesheet and the loaded fonts) for the life of the process, and lays a
batch out as one document whose pages are then written one PDF per certificate. It needs no
database: workers in a process pool get plain `CertificatePage` values.
"""

from __future__ import annotations

import atexit
import base64
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qrcode
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from .validators import certificate_number_display

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.document import Document
    from weasyprint.text.fonts import FontConfiguration

    from .models import Certificate

TEMPLATE = "certificates/pdf/certificates.html"
STYLESHEET = "certificates/certificate.css"
# Tagged PDF for screen readers (PDF/UA-1); see docs/decisions/0021-certificate-pdf-rendering.md.
PDF_VARIANT = "pdf/ua-1"


@dataclass(frozen=True)
class CertificatePage:
    """What one certificate page shows, as plain values (picklable, no database needed)."""

    number: str
    qr_token: str
    learner_name: str
    qualification_number: str
    qualification_title: str
    units: list[dict[str, str]] = field(default_factory=list)
    grade: str = ""
    award_date: date | None = None
    awarding_organisation_name: str = ""

    @property
    def display_number(self) -> str:
        return certificate_number_display(self.number)

    @property
    def check_url(self) -> str:
        return f"{settings.PORTAL_BASE_URL}/c/{self.qr_token}"

    @property
    def ao_initials(self) -> str:
        words = [w for w in self.awarding_organisation_name.split() if w[:1].isalpha()]
        return "".join(w[0] for w in words[:3]).upper()

    @property
    def qr_data_uri(self) -> str:
        return qr_png_data_uri(self.check_url)

    @classmethod
    def from_certificate(cls, certificate: Certificate) -> CertificatePage:
        return cls(
            number=certificate.number,
            qr_token=certificate.qr_token,
            learner_name=certificate.learner_name,
            qualification_number=certificate.qualification_number,
            qualification_title=certificate.qualification_title,
            units=[dict(u) for u in certificate.units],
            grade=certificate.grade,
            award_date=certificate.award_date,
            awarding_organisation_name=certificate.awarding_organisation_name,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def qr_png_data_uri(url: str) -> str:
    """The QR code as a one-pixel-per-module PNG; the stylesheet scales it up without smoothing.

    A bitmap of 40 x 40 pixels is drawn far faster than the same code as hundreds of vector paths,
    and prints just as sharply because the PDF tells viewers not to interpolate it.
    """
    # A fixed mask skips scoring all eight masks, most of the time a QR code takes to make;
    # any mask is valid and scans the same.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4, mask_pattern=2
    )
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def stylesheet_path() -> Path:
    found = finders.find(STYLESHEET)
    if not found:
        raise FileNotFoundError(f"The certificate stylesheet {STYLESHEET} is missing from static/")
    return Path(str(found))


def verify_url() -> str:
    return f"{settings.PORTAL_BASE_URL}/verify/"


def certificates_html(pages: Sequence[CertificatePage], *, link_stylesheet: bool) -> str:
    """The template filled in for these certificates, one A4 page each."""
    context = {
        "certificates": list(pages),
        "awarding_organisation_name": pages[0].awarding_organisation_name if pages else "",
        "verify_url": verify_url(),
        "stylesheet_url": stylesheet_path().as_uri() if link_stylesheet else "",
    }
    return render_to_string(TEMPLATE, context)


@lru_cache(maxsize=1)
def _shared_fonts_and_stylesheet() -> tuple[FontConfiguration, CSS]:
    """Fonts loaded and the stylesheet parsed once per process, then reused for every batch."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    stylesheet = CSS(filename=str(stylesheet_path()), font_config=font_config)
    return font_config, stylesheet


# Free the fonts before the interpreter tears its modules down (WeasyPrint's cleanup needs them).
atexit.register(_shared_fonts_and_stylesheet.cache_clear)


def _base_url() -> str:
    return stylesheet_path().parent.as_uri() + "/"


def _layout(pages: Sequence[CertificatePage]) -> Document:
    from weasyprint import HTML

    font_config, stylesheet = _shared_fonts_and_stylesheet()
    html = HTML(string=certificates_html(pages, link_stylesheet=False), base_url=_base_url())
    return html.render(
        font_config=font_config, stylesheets=[stylesheet], pdf_variant=PDF_VARIANT, pdf_tags=True
    )


def certificates_render_pdfs(pages: Sequence[CertificatePage]) -> list[bytes]:
    """One tagged PDF per certificate, in order, from a single layout of the whole batch."""
    if not pages:
        return []
    document = _layout(pages)
    if len(document.pages) != len(pages):
        raise RuntimeError(
            f"the certificate design must fit one page: {len(pages)} certificates laid out "
            f"on {len(document.pages)} pages"
        )
    return [
        document.copy([page]).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
        for page in document.pages
    ]


def certificate_render_pdf(page: CertificatePage) -> bytes:
    return certificates_render_pdfs([page])[0]
