"""The certificate PDF keeps its number, QR code, date and units whatever it holds (R-CRT-1)."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode

from certificates import rendering, services
from certificates.models import RenderJob
from certificates.rendering import CertificateLayoutError, CertificatePage

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db

LONG_TITLE = (
    "Preparing, cooking and finishing complex hot sauces, dressings and garnishes for service"
)


def _units(count: int) -> list[dict[str, str]]:
    return [
        {"reference": f"R/615/{index:04d}", "title": LONG_TITLE, "grade": "Pass"}
        for index in range(count)
    ]


def _page_images(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"
    subprocess.run(  # noqa: S603 - fixed arguments
        [pdftoppm, "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True
    )
    return [Image.open(p) for p in sorted(tmp_path.glob("page-*.png"))]


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(
    ("unit_count", "learner_name", "title"),
    [
        (0, "Zoë O'Brien", "Level 3 Diploma in Professional Cookery"),
        (1, "Zoë O'Brien", "Level 3 Diploma in Professional Cookery"),
        (10, "Zoë O'Brien", "Level 3 Diploma in Professional Cookery"),
        (14, "Zoë O'Brien", "Level 3 Diploma in Professional Cookery"),
        (30, "Zoë O'Brien", "Level 3 Diploma in Professional Cookery"),
        (3, "W" * 300, "Level 3 " + "Q" * 290),
    ],
    ids=["0-units", "1-unit", "10-units", "14-units", "30-units", "300-character-name-and-title"],
)
def test_r_crt_1_every_page_of_a_certificate_carries_its_number_and_a_qr_code_that_scans(
    unit_count, learner_name, title, tmp_path
):
    certificate = CertificateFactory(
        learner_name=learner_name, qualification_title=title, units=_units(unit_count)
    )
    services.certificates_render(certificate_ids=[certificate.pk])
    certificate.refresh_from_db()
    pdf = certificate.pdf.read()

    reader = PdfReader(io.BytesIO(pdf))
    texts = [page.extract_text() for page in reader.pages]
    images = _page_images(pdf, tmp_path)
    assert len(images) == len(reader.pages)
    for number, (text, image) in enumerate(zip(texts, images, strict=True), start=1):
        assert certificate.display_number in text, f"page {number} lacks the number"
        codes = [symbol.data.decode() for symbol in decode(image)]
        assert codes == [certificate.check_url], f"page {number}: QR codes {codes}"
    everything = _squeezed(" ".join(texts))
    assert _squeezed(learner_name) in _squeezed(texts[0])  # the name stays on the first page
    assert _squeezed(title) in everything
    assert "18 July 2025" in texts[0]
    for unit in certificate.units:
        assert unit["reference"] in everything


def test_r_crt_1_a_long_list_of_units_continues_on_pages_that_say_which_of_how_many():
    page = CertificatePage(
        number=CertificateFactory.build().number,
        qr_token="x" * 32,
        learner_name="Zoë O'Brien",
        qualification_number="601/2977/3",
        qualification_title="Level 3 Diploma in Professional Cookery",
        units=_units(30),
    )

    reader = PdfReader(io.BytesIO(rendering.certificates_render_pdfs([page])[0]))

    total = len(reader.pages)
    assert total >= 2
    for index in range(2, total + 1):
        text = reader.pages[index - 1].extract_text()
        assert f"Page {index} of {total}" in text
        assert "Schedule of units, continued" in text


def test_r_crt_1_each_certificate_of_a_batch_gets_only_its_own_pages():
    pages = [
        CertificatePage.from_certificate(CertificateFactory.build(units=_units(count)))
        for count in (30, 0, 14)
    ]

    pdfs = rendering.certificates_render_pdfs(pages)

    for page, pdf in zip(pages, pdfs, strict=True):
        reader = PdfReader(io.BytesIO(pdf))
        numbers_seen = {
            other.display_number
            for other in pages
            for p in reader.pages
            if other.display_number in p.extract_text()
        }
        assert numbers_seen == {page.display_number}
        assert reader.metadata.title == f"Certificate {page.display_number}: {page.learner_name}"


@pytest.fixture
def broken_design(monkeypatch):
    """The design with the name kept on one line: a long name then runs off the page."""
    original = rendering.certificates_html

    def with_unbreakable_names(pages, *, link_stylesheet):
        html = original(pages, link_stylesheet=link_stylesheet)
        style = "<style>.learner-name { white-space: nowrap; overflow-wrap: normal }</style>"
        return html.replace("</head>", style + "</head>")

    monkeypatch.setattr(rendering, "certificates_html", with_unbreakable_names)


def test_r_crt_1_a_certificate_that_would_overflow_the_page_is_refused(broken_design):
    page = CertificatePage.from_certificate(CertificateFactory.build(learner_name="W" * 120))

    with pytest.raises(CertificateLayoutError, match="overflows"):
        rendering.certificates_render_pdfs([page])


@pytest.mark.parametrize(
    ("design_change", "problem"),
    [
        (".footer { bottom: 0 }", "the footer overflows the bottom margin"),
        (".signature { top: 40mm }", "page 1: div overflows its area"),
    ],
    ids=["footer-over-the-flow", "block-out-of-the-footer"],
)
def test_r_crt_1_a_footer_out_of_its_place_is_refused(monkeypatch, design_change, problem):
    original = rendering.certificates_html

    def moved(pages, *, link_stylesheet):
        html = original(pages, link_stylesheet=link_stylesheet)
        return html.replace("</head>", f"<style>{design_change}</style></head>")

    monkeypatch.setattr(rendering, "certificates_html", moved)
    page = CertificatePage.from_certificate(CertificateFactory.build())

    with pytest.raises(CertificateLayoutError, match=problem):
        rendering.certificates_render_pdfs([page])


def test_r_crt_1_a_render_job_whose_certificate_would_overflow_fails_and_stores_nothing(
    broken_design, provider, officer, django_capture_on_commit_callbacks
):
    fine = CertificateFactory(provider=provider)
    overflowing = CertificateFactory(provider=provider, learner_name="W" * 120)

    with django_capture_on_commit_callbacks(execute=True):
        job = services.render_job_create(
            provider=provider, certificates=[fine, overflowing], acting_user=officer
        )

    job.refresh_from_db()
    overflowing.refresh_from_db()
    fine.refresh_from_db()
    assert job.status == RenderJob.Status.FAILED
    assert overflowing.display_number in job.error
    assert "overflows" in job.error
    assert not overflowing.is_rendered
    assert not fine.is_rendered  # the chunk is refused whole: nothing half-stored
    assert not default_storage.exists(services._pdf_name(overflowing))
    assert not default_storage.exists(services._pdf_name(fine))
