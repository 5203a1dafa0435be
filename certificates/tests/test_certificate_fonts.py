"""The Latin faces change nothing a reader sees on a certificate, only how fast it is written."""

import io
import logging

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration

from certificates import fonts, rendering
from certificates.rendering import CertificatePage

from .factories import CertificateFactory
from .test_rendering_speed import _boxes, _page

pytestmark = pytest.mark.django_db


def _embedded_fonts(pdf: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return {
        str(font.get_object()["/BaseFont"]).split("+", 1)[1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }


@pytest.mark.parametrize("face", fonts.FACES)
def test_r_crt_1_each_latin_face_holds_exactly_the_latin_characters_of_its_full_face(face):
    full = TTFont(str(fonts.FONTS_DIR / f"{face}.ttf")).getBestCmap()
    latin = TTFont(str(fonts.latin_path(face))).getBestCmap()
    wanted = set(fonts.latin_codepoints())

    assert set(latin) == {code for code in full if code in wanted}
    assert len(latin) > 700  # the ranges are not empty by mistake


def test_r_crt_1_certificates_lay_out_the_same_with_the_latin_faces_as_with_the_full_ones(
    monkeypatch,
):
    pages = [
        _page(0, learner_name="Zoë Ó Dálaigh-Øster Ærø"),
        _page(3, learner_name="Siobhán Ní Bhriain-Wiśniewski"),
        _page(30, qualification_title="Level 3 \u201cAdvanced\u201d Cookery \u2013 sauces & soups"),
    ]
    with_latin_faces = _boxes(rendering._layout(pages))
    font_config = FontConfiguration()
    full_faces_only = CSS(
        string=rendering.stylesheet_path().read_text().replace("-Latin.ttf", ".ttf"),
        base_url=rendering._base_url(),
        font_config=font_config,
    )
    monkeypatch.setattr(
        rendering, "_shared_fonts_and_stylesheet", lambda: (font_config, full_faces_only)
    )

    with_full_faces = _boxes(rendering._layout(pages))

    assert with_latin_faces == with_full_faces


def test_r_crt_1_a_latin_certificate_embeds_only_the_latin_faces():
    pdf = rendering.certificate_render_pdf(_page(2, learner_name="Siobhán Ní Bhriain"))

    embedded = _embedded_fonts(pdf)

    assert embedded >= {"Certificate-Sans", "Certificate-Serif-Bold"}
    assert not any("Full" in name for name in embedded)


def test_r_crt_1_characters_beyond_the_latin_faces_are_drawn_from_the_full_faces(caplog):
    name = "Ζωή Παπαδοπούλου-Дмитриева"
    page = CertificatePage.from_certificate(
        CertificateFactory.build(learner_name=name, qualification_title="Level 2 Award in Ελληνικά")
    )

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = rendering.certificate_render_pdf(page)

    assert not [r for r in caplog.records if "notdef" in r.getMessage()]
    assert "Certificate-Serif-Full-Bold" in _embedded_fonts(pdf)
    text = "".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "".join(name.split()) in text
