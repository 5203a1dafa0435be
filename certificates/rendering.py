"""Certificates to PDF with WeasyPrint: one template, the AO's design, fonts shipped in static/.

Rendering is the slow part of certification, so this module keeps what can be shared between
certificates (the parsed stylesheet and the loaded fonts) for the life of the process, and lays a
batch out as one document whose pages are then written one PDF per certificate. Each certificate
starts on a new page and may run onto more (a long list of units); every page is checked before
anything is written (docs/decisions/0060-certificate-layout-that-cannot-overflow.md). It needs no
database: workers in a process pool get plain `CertificatePage` values.
"""

from __future__ import annotations

import atexit
import base64
import io
import re
from collections.abc import Sequence
from copy import copy
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qrcode
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from awards_portal.cycle_collection import cycle_collection_deferred

from .validators import certificate_number_display

if TYPE_CHECKING:
    from weasyprint import CSS, HTML
    from weasyprint.document import Document, Page
    from weasyprint.text.fonts import FontConfiguration

    from .models import Certificate

TEMPLATE = "certificates/pdf/certificates.html"
STYLESHEET = "certificates/certificate.css"
USER_AGENT_STYLESHEET = "certificates/user-agent.css"
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
    # Units achieved towards the qualification named, not the qualification itself.
    unit_certificate: bool = False
    # A replacement: the number of the certificate it replaces, and the day it was issued.
    replaces_number: str = ""
    issued_on: date | None = None

    @property
    def replaces_display_number(self) -> str:
        return certificate_number_display(self.replaces_number) if self.replaces_number else ""

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

    @cached_property
    def qr_data_uri(self) -> str:
        # Cached: the template shows the code on the first page and in the continuation rules.
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
            unit_certificate=certificate.is_unit_certificate,
            replaces_number=certificate.replaces.number if certificate.replaces else "",
            issued_on=timezone.localdate(certificate.issued_at),
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


# Certificate numbers name each certificate's pages in the template's page rules (decision 0130).
_PAGE_NAME_SAFE = re.compile(r"[0-9A-Z]{1,20}", re.ASCII)


def certificates_html(pages: Sequence[CertificatePage], *, link_stylesheet: bool) -> str:
    """The template filled in for these certificates, one A4 page each."""
    unsafe = [p.number for p in pages if not _PAGE_NAME_SAFE.fullmatch(p.number)]
    if unsafe:
        raise CertificateLayoutError([f"certificate number {n!r} is not canonical" for n in unsafe])
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


@lru_cache(maxsize=1)
def _certificate_html_class() -> type[HTML]:
    """WeasyPrint's `HTML`, with only the user-agent rules the certificate template can use.

    WeasyPrint matches every element against each rule of its whole HTML user-agent stylesheet;
    for this template that is about a third of the layout time. `user-agent.css` holds the
    rules that can apply here, copied unchanged, so the layout is the same box for box
    (`test_the_trimmed_user_agent_stylesheet_lays_certificates_out_the_same`). It overrides
    `HTML._ua_stylesheets`, which WeasyPrint does not document: that test also fails if a new
    WeasyPrint stops calling it.
    """
    from weasyprint import CSS, HTML

    found = finders.find(USER_AGENT_STYLESHEET)
    if not found:
        raise FileNotFoundError(f"{USER_AGENT_STYLESHEET} is missing from static/")
    user_agent = CSS(filename=str(found))

    class CertificateHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
            return [user_agent]

    return CertificateHTML


def _layout(pages: Sequence[CertificatePage], *, html_class: type[HTML] | None = None) -> Document:
    font_config, stylesheet = _shared_fonts_and_stylesheet()
    html = (html_class or _certificate_html_class())(
        string=certificates_html(pages, link_stylesheet=False), base_url=_base_url()
    )
    # The batch's own image cache (its QR codes live as long as its document), seeded with the
    # static images decoded by earlier batches, so memory stays flat over any number of batches.
    cache = dict(_static_images())
    document = html.render(
        font_config=font_config,
        stylesheets=[stylesheet],
        pdf_variant=PDF_VARIANT,
        pdf_tags=True,
        cache=cache,
    )
    _keep_static_images(cache)
    return document


@lru_cache(maxsize=1)
def _static_images() -> dict[str, Any]:
    """The page frame and other static vector images, decoded once per process."""
    return {}


def _keep_static_images(cache: dict[str, Any]) -> None:
    from weasyprint.images import SVGImage

    # Only vector images: a raster image keeps its data under further cache keys of its own.
    _static_images().update(
        (url, image)
        for url, image in cache.items()
        if url.startswith("file:") and isinstance(image, SVGImage)
    )


class CertificateLayoutError(RuntimeError):
    """A certificate would come out incomplete or overflowing: nothing is written or stored."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("certificate layout failed: " + "; ".join(self.problems))


# How far (in CSS pixels) a box may stray past its area before it counts as overflowing:
# rounding in the layout, never a visible overflow.
_TOLERANCE = 0.5


def _is_footer(box: Any) -> bool:
    """The first page's footer: the block the template writes with the class `footer`."""
    element = box.element
    return (
        box.style["position"] == "absolute"
        and element is not None
        and "footer" in (element.get("class") or "").split()
    )


def _page_problems(page: Page, certificate: CertificatePage, index: int) -> tuple[list[str], str]:
    """What is wrong with one laid-out page of this certificate, and the text of its flow.

    Every box must lie inside its own area: the flowing content inside the page area, the footer
    inside its own box, and that box in the bottom margin below the flow, within the page
    area's width (the first page), or inside its margin box (continuation pages). Every page's
    footer must carry the certificate number and QR code.
    """
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    page_box = page._page_box
    problems: list[str] = []
    texts: list[str] = []
    footer_texts: list[str] = []
    has_qr_code = False
    page_area = (
        page_box.content_box_x(),
        page_box.content_box_y(),
        page_box.content_box_x() + page_box.width,
        page_box.content_box_y() + page_box.height,
    )
    # The first page's footer sits in the bottom margin, below the flow.
    footer_area = (page_area[0], page_area[3], page_area[2], page_box.margin_height())

    def border_area(box: Any) -> tuple[float, float, float, float]:
        left, top = box.border_box_x(), box.border_box_y()
        return (left, top, left + box.border_width(), top + box.border_height())

    def inside(box: Any, area: tuple[float, float, float, float]) -> bool:
        left, top, right, bottom = border_area(box)
        return (
            left >= area[0] - _TOLERANCE
            and top >= area[1] - _TOLERANCE
            and right <= area[2] + _TOLERANCE
            and bottom <= area[3] + _TOLERANCE
        )

    def walk(box: Any, area: tuple[float, float, float, float], in_footer: bool) -> None:
        nonlocal has_qr_code
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if not in_footer and _is_footer(box):
            if not inside(box, footer_area):
                problems.append(f"page {index}: the footer overflows the bottom margin")
                return
            area, in_footer = border_area(box), True
        if isinstance(box, boxes.TextBox):
            (footer_texts if in_footer else texts).append(box.text)
        if in_footer and isinstance(box, boxes.ReplacedBox):
            has_qr_code = True
        if not inside(box, area):
            label = box.element_tag or type(box).__name__
            problems.append(f"page {index}: {label} overflows its area")
            return
        if isinstance(box, boxes.ParentBox):
            for child in box.all_children():
                walk(child, area, in_footer)

    for child in page_box.children:
        if isinstance(child, boxes.MarginBox):
            if child.style["background_image"] and any(
                image is not None for _, image in child.style["background_image"]
            ):
                has_qr_code = True
            for grandchild in child.children:
                walk(grandchild, border_area(child), True)
        else:
            walk(child, page_area, False)
    if certificate.display_number not in " ".join(footer_texts):
        problems.append(f"page {index}: the certificate number is missing")
    if not has_qr_code:
        problems.append(f"page {index}: the QR code is missing")
    return problems, " ".join(texts)


def _certificate_problems(certificate: CertificatePage, pages: Sequence[Page]) -> list[str]:
    problems: list[str] = []
    texts: list[str] = []
    for index, page in enumerate(pages, start=1):
        page_problems, text = _page_problems(page, certificate, index)
        problems.extend(page_problems)
        texts.append(text)
    squeezed = "".join("".join(texts).split())
    expected = [("the learner's name", certificate.learner_name)]
    expected += [(f"unit {u['reference']}", u["reference"]) for u in certificate.units]
    if certificate.qualification_title:
        expected.append(("the qualification title", certificate.qualification_title))
    for label, value in expected:
        if "".join(value.split()) not in squeezed:
            problems.append(f"{label} is missing")
    return [f"certificate {certificate.display_number}: {p}" for p in problems]


def _pages_by_certificate(
    document: Document, certificates: Sequence[CertificatePage]
) -> list[list[Page]]:
    """Each certificate's pages: it starts on the page holding its anchor, ends before the next."""
    starts = {f"certificate-{c.number}": i for i, c in enumerate(certificates)}
    grouped: list[list[Page]] = [[] for _ in certificates]
    current = -1
    for page in document.pages:
        for anchor in page.anchors:
            if anchor in starts:
                current = starts[anchor]
                break
        if current < 0:
            raise CertificateLayoutError(["the first page belongs to no certificate"])
        grouped[current].append(page)
    return grouped


def certificates_render_pdfs(pages: Sequence[CertificatePage]) -> list[bytes]:
    """One tagged PDF per certificate, in order, from a single layout of the whole batch.

    A certificate with many units continues on further pages, each repeating its number and QR
    code and saying "Page 2 of 3"; the total comes from the page of the certificate's end marker
    (`target-counter`), so one layout serves the whole batch. Every page is checked before
    anything is written: if any certificate would overflow or lack its number, QR code, name or
    a unit, `CertificateLayoutError` says which, and no PDF is returned (so nothing is stored).
    Python's cycle collector is held back for the batch (decision 0166).
    """
    with cycle_collection_deferred():
        return _render_batch(pages)


def _render_batch(pages: Sequence[CertificatePage]) -> list[bytes]:
    if not pages:
        return []
    document = _layout(pages)
    grouped = _pages_by_certificate(document, pages)
    problems = [
        problem
        for certificate, group in zip(pages, grouped, strict=True)
        for problem in (
            _certificate_problems(certificate, group)
            if group
            else [f"certificate {certificate.display_number}: no page"]
        )
    ]
    if problems:
        raise CertificateLayoutError(problems)
    pdfs = []
    for certificate, group in zip(pages, grouped, strict=True):
        single = document.copy(group)
        # Each PDF is titled for its own certificate, not the batch (screen readers announce it).
        single.metadata = copy(document.metadata)
        single.metadata.title = (
            f"Certificate {certificate.display_number}: {certificate.learner_name}"
        )
        pdfs.append(single.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True))
    return pdfs


def certificate_render_pdf(page: CertificatePage) -> bytes:
    return certificates_render_pdfs([page])[0]
