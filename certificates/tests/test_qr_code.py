"""The QR code printed on a certificate leads, through a real decoder, to its check page."""

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from certificates import services

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db


def test_r_crt_1_the_qr_code_on_the_pdf_opens_the_page_saying_the_certificate_is_valid(
    client, tmp_path: Path
):
    certificate = CertificateFactory(learner_name="Joël Brennan-Ó Súilleabháin")
    services.certificates_render(certificate_ids=[certificate.pk])
    certificate.refresh_from_db()
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate.pdf.read())

    subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("pdftoppm") or "/usr/bin/pdftoppm",
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    symbols = decode(Image.open(tmp_path / "page.png"))

    assert len(symbols) == 1
    url = symbols[0].data.decode()
    assert url == certificate.check_url
    response = client.get(urlsplit(url).path)
    page = response.content.decode()
    assert response.status_code == 200
    assert "This certificate is valid" in page
    assert "Joël Brennan-Ó Súilleabháin" in page
