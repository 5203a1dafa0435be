"""What makes certificate rendering faster must not change what is rendered (R-CRT-1)."""

import io

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from awards_portal.cycle_collection import cycle_collection_deferred
from certificates import rendering
from certificates.rendering import CertificatePage

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db

UNIT_TITLE = (
    "Preparing, cooking and finishing complex hot sauces, dressings and garnishes for service"
)


def _page(units: int, **fields: str) -> CertificatePage:
    return CertificatePage.from_certificate(
        CertificateFactory.build(
            units=[
                {"reference": f"R/615/{i:04d}", "title": UNIT_TITLE, "grade": "Merit"}
                for i in range(units)
            ],
            **fields,
        )
    )


# Style that changes how a box looks without moving it.
PAINTED = (
    "color",
    "background_color",
    "border_top_color",
    "border_bottom_color",
    "border_top_style",
    "border_bottom_style",
    "font_weight",
    "font_style",
    "text_decoration_line",
    "image_rendering",
)


def _boxes(document) -> list[tuple]:  # type: ignore[no-untyped-def, type-arg]
    """Every box of every page: its kind, element, place, size, text and painted style."""
    found: list[tuple] = []  # type: ignore[type-arg]

    def walk(box, page: int) -> None:  # type: ignore[no-untyped-def]
        found.append(
            (
                page,
                type(box).__name__,
                box.element_tag,
                round(box.position_x, 3),
                round(box.position_y, 3),
                round(box.width or 0, 3),
                round(box.height or 0, 3),
                getattr(box, "text", None),
                *(str(box.style[name]) for name in PAINTED),
            )
        )
        for child in getattr(box, "children", []):
            walk(child, page)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number)
    return found


def test_r_crt_1_the_trimmed_user_agent_stylesheet_lays_certificates_out_the_same():
    pages = [
        _page(0),
        _page(3, learner_name="Siobhán Ní Bhriain-Wiśniewski"),
        _page(30),
        _page(2, learner_name="W" * 300, qualification_title="Level 3 " + "Q" * 290),
    ]

    with_weasyprint_sheet = rendering._layout(pages, html_class=HTML)
    with_trimmed_sheet = rendering._layout(pages)

    assert rendering._certificate_html_class() is not HTML
    assert len(with_trimmed_sheet.pages) == len(with_weasyprint_sheet.pages) > len(pages)
    assert _boxes(with_trimmed_sheet) == _boxes(with_weasyprint_sheet)


def test_r_crt_1_the_renderer_uses_the_trimmed_user_agent_stylesheet(monkeypatch):
    """If WeasyPrint stopped asking `_ua_stylesheets`, the speed-up would silently vanish."""
    asked = []
    html_class = rendering._certificate_html_class()
    original = html_class._ua_stylesheets

    def counting(self, forms=False):  # type: ignore[no-untyped-def]
        asked.append(forms)
        return original(self, forms)

    monkeypatch.setattr(html_class, "_ua_stylesheets", counting)

    rendering.certificates_render_pdfs([_page(1)])

    assert asked


def test_r_crt_1_page_totals_come_from_one_layout_of_the_batch(monkeypatch):
    layouts = []
    original = rendering._layout

    def counting(pages, **kwargs):  # type: ignore[no-untyped-def]
        layouts.append(len(pages))
        return original(pages, **kwargs)

    monkeypatch.setattr(rendering, "_layout", counting)
    pages = [_page(45), _page(0), _page(20)]

    pdfs = rendering.certificates_render_pdfs(pages)

    assert layouts == [3]
    for pdf in (pdfs[0], pdfs[2]):
        reader = PdfReader(io.BytesIO(pdf))
        total = len(reader.pages)
        assert total >= 2
        for index in range(2, total + 1):
            assert f"Page {index} of {total}" in reader.pages[index - 1].extract_text()
    assert len(PdfReader(io.BytesIO(pdfs[1])).pages) == 1


def test_r_crt_1_every_page_of_a_batch_is_laid_out_once(monkeypatch):
    """WeasyPrint lays a page out again when it sets a running element; the design sets none."""
    import weasyprint.layout.page as page_layout

    made = []
    original = page_layout.make_page

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(page_layout, "make_page", counting)

    document = rendering._layout([_page(0), _page(30), _page(3)])

    assert len(made) == len(document.pages) > 3


def test_r_crt_1_a_batch_leaves_no_qr_codes_behind_in_the_process():
    """Memory stays flat however many batches a worker renders: only the frame is kept."""
    rendering.certificates_render_pdfs([_page(1), _page(0)])
    rendering.certificates_render_pdfs([_page(2)])

    kept = list(rendering._static_images())

    assert kept
    assert all(url.startswith("file:") and url.endswith("frame.svg") for url in kept)


def test_r_crt_1_a_number_that_could_not_name_its_pages_is_refused():
    """Each certificate's pages are named for its number in the template's page rules."""
    import dataclasses

    page = dataclasses.replace(_page(0), number='7KQ4M"}x')

    with pytest.raises(rendering.CertificateLayoutError, match="not canonical"):
        rendering.certificates_render_pdfs([page])


def test_a_batch_defers_cycle_collection_and_leaves_the_collector_as_it_found_it(monkeypatch):
    import gc

    seen_during: list[bool] = []
    layout = rendering._layout

    def layout_watching(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen_during.append(gc.isenabled())
        return layout(*args, **kwargs)

    monkeypatch.setattr(rendering, "_layout", layout_watching)
    try:
        rendering.certificates_render_pdfs([_page(2)])
        after_enabled = gc.isenabled()
        gc.disable()
        rendering.certificates_render_pdfs([_page(2)])
        after_disabled = gc.isenabled()
    finally:
        gc.enable()

    assert seen_during == [False, False]
    assert after_enabled is True
    assert after_disabled is False


def test_a_refused_batch_switches_the_collector_back_on():
    import gc

    with pytest.raises(RuntimeError), cycle_collection_deferred():
        assert not gc.isenabled()
        raise RuntimeError("layout failed")
    assert gc.isenabled()
