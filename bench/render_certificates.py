"""Benchmark: certificate PDFs per second, production pipeline against the naive baseline.

    .venv/bin/python bench/render_certificates.py [--count 500] [--workers N]

Both sides do the same work per certificate, measured in the same run on the same certificates:

- rendering. Baseline: one `HTML(string=...).write_pdf()` per certificate with the stylesheet
  linked, so it is parsed and the fonts loaded for each certificate. Pipeline:
  `certificates.rendering.certificates_render_pdfs`, fonts and stylesheet loaded once per
  process, only the user-agent rules the template can use, one layout per chunk of 25, one PDF
  per certificate, every page checked first.
- PDF: tagged PDF/UA-1 on both sides.
- long certificates: both continue onto further pages, which repeat the number and QR code
  and say "page 2 of 3" (the same template; the total comes from `target-counter`, so neither
  side lays anything out twice).
- storage and hashing: both write each PDF to a file (a temporary folder) and take its SHA-256.
- database: neither. The row lock, update and audit row of `services.certificates_render` cost
  the same per certificate on both sides, so both leave them out.
- processes: each side runs first in one process, then in a pool of `--workers` processes: the
  baseline one certificate per call (one Celery task per certificate), the pipeline one chunk
  of 25 per call (the chunk tasks).

It prints the per-process ratio and the pool ratio. Every PDF is then checked: it opens, every
page carries its certificate number (both sides), the first page its learner's name, the
pages every unit reference; the document is tagged; and for a sample the QR code on every
page is decoded with zbar and must be the certificate's check URL. Needs no database.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awards_portal.settings.dev")
os.environ["LOG_LEVEL"] = "WARNING"

import django

django.setup()
logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

from PIL import Image  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from pyzbar.pyzbar import decode  # noqa: E402
from weasyprint import HTML  # noqa: E402

from certificates.rendering import (  # noqa: E402
    PDF_VARIANT,
    CertificatePage,
    _shared_fonts_and_stylesheet,
    certificates_html,
    certificates_render_pdfs,
)
from certificates.services import RENDER_CHUNK_SIZE  # noqa: E402
from certificates.validators import certificate_number_generate, qr_token_generate  # noqa: E402

GIVEN = ["Amelia", "Joël", "Siobhán", "Marcus", "Hana", "Tomasz", "Priya", "Dylan", "Zoë", "Kwame"]
FAMILY = ["Hart", "Brennan", "Kelleher", "Okonjo", "Kowalczyk", "Wiśniewski", "Shah", "O'Neill"]
TITLES = [
    ("610/0311/4", "Level 2 Certificate in Health and Social Care"),
    ("603/5772/2", "Level 1 Award in Digital Skills for Work"),
    ("601/2977/3", "Level 3 Diploma in Professional Cookery"),
]
UNIT_TITLES = [
    "Preparing food safely",
    "Working in a professional kitchen",
    "Preparing, cooking and finishing complex hot sauces, dressings and garnishes for service",
    "Principles of safeguarding and protection in health and social care",
    "Promote person-centred approaches in health and social care",
    "Using digital tools to communicate and collaborate at work",
]
# The spread of units per certificate: most are qualification certificates with a few units or
# none; one in eight is a diploma with 15 to 20 units, which runs onto a second page.
UNIT_SPREAD = [0, 0, 0, 1, 2, 4, 6, 8]


def make_pages(count: int) -> list[CertificatePage]:
    rng = random.Random(20260101)
    pages = []
    for index in range(count):
        number, title = rng.choice(TITLES)
        unit_count = rng.randint(15, 20) if index % 8 == 7 else rng.choice(UNIT_SPREAD)
        units = [
            {"reference": f"R/615/{index % 1000:03d}{u}", "title": rng.choice(UNIT_TITLES)}
            | {"grade": rng.choice(["Pass", "Merit", "Distinction"])}
            for u in range(unit_count)
        ]
        pages.append(
            CertificatePage(
                number=certificate_number_generate(),
                qr_token=qr_token_generate(),
                learner_name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}-{index}",
                qualification_number=number,
                qualification_title=title,
                units=units,
                grade=rng.choice(["Pass", "Merit", "Distinction"]),
                award_date=date(2025, 7, 18),
                awarding_organisation_name="Northgate Awards",
            )
        )
    return pages


def _store(folder: str, page: CertificatePage, pdf: bytes) -> tuple[str, bytes]:
    """What storing costs on both sides: the SHA-256 and writing the file."""
    digest = hashlib.sha256(pdf).hexdigest()
    (Path(folder) / f"{page.number}.pdf").write_bytes(pdf)
    return digest, pdf


def baseline_one(page: CertificatePage, folder: str) -> tuple[str, bytes]:
    html = HTML(string=certificates_html([page], link_stylesheet=True))
    return _store(folder, page, html.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True))


def pipeline_chunk(chunk: list[CertificatePage], folder: str) -> list[tuple[str, bytes]]:
    pdfs = certificates_render_pdfs(chunk)
    return [_store(folder, page, pdf) for page, pdf in zip(chunk, pdfs, strict=True)]


def _chunks(pages: list[CertificatePage]) -> list[list[CertificatePage]]:
    return [pages[i : i + RENDER_CHUNK_SIZE] for i in range(0, len(pages), RENDER_CHUNK_SIZE)]


def _warm_worker() -> None:
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    _shared_fonts_and_stylesheet()
    pages = make_pages(1)
    certificates_render_pdfs(pages)
    HTML(string=certificates_html(pages, link_stylesheet=True)).write_pdf()


def check_pdfs(label: str, pages: list[CertificatePage], results: list, sample: int) -> None:  # type: ignore[type-arg]
    assert len(results) == len(pages), f"{label}: {len(results)} PDFs for {len(pages)}"
    for page, (digest, pdf) in zip(pages, results, strict=True):
        assert digest == hashlib.sha256(pdf).hexdigest()
        reader = PdfReader(io.BytesIO(pdf), strict=True)
        texts = [p.extract_text() for p in reader.pages]
        assert "/StructTreeRoot" in reader.trailer["/Root"], f"{label}: {page.number} untagged"
        for n, text in enumerate(texts, start=1):
            assert page.display_number in text, f"{label}: {page.number} page {n}: no number"
        squeezed = "".join("".join(texts).split())
        assert "".join(page.learner_name.split()) in "".join(texts[0].split()), label
        for unit in page.units:
            assert unit["reference"] in squeezed, f"{label}: {page.number} lacks a unit"
    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        print(f"{label}: pdftoppm missing, QR codes not decoded")
        return
    long_ones = [i for i, p in enumerate(pages) if len(p.units) >= 15][: sample // 2]
    for index in list(range(sample - len(long_ones))) + long_ones:
        page, (_digest, pdf) = pages[index], results[index]
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "c.pdf").write_bytes(pdf)
            subprocess.run(
                [pdftoppm, "-r", "150", "-png", f"{folder}/c.pdf", f"{folder}/p"], check=True
            )
            images = sorted(Path(folder).glob("p-*.png"))
            for image in images:
                codes = [s.data.decode() for s in decode(Image.open(image))]
                assert codes == [page.check_url], f"{label}: {page.number} {image.name}: {codes}"


def timed(label: str, count: int, run: Callable[[], list]) -> tuple[list, float]:  # type: ignore[type-arg]
    started = time.perf_counter()
    results = run()
    seconds = time.perf_counter() - started
    rate = count / seconds
    print(f"{label:<44} {seconds:7.2f} s  {rate:7.1f} certificates/s  {1000 / rate:6.1f} ms each")
    return results, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample", type=int, default=10, help="PDFs per side to QR-decode")
    args = parser.parse_args()
    pages = make_pages(args.count)
    pages_total = sum(1 for p in pages if len(p.units) >= 15)
    print(
        f"{args.count} certificates ({pages_total} with 15-20 units), {args.workers} worker "
        f"processes, pipeline chunks of {RENDER_CHUNK_SIZE}; both sides write tagged PDF/UA, "
        "hash with SHA-256 and store a file; neither touches the database"
    )
    _warm_worker()
    folder = tempfile.mkdtemp(prefix="bench-certificates-")
    try:
        base, base_rate = timed(
            "baseline, one process",
            args.count,
            lambda: [baseline_one(page, folder) for page in pages],
        )
        pipe, pipe_rate = timed(
            "pipeline, one process",
            args.count,
            lambda: [r for chunk in _chunks(pages) for r in pipeline_chunk(chunk, folder)],
        )
        with ProcessPoolExecutor(max_workers=args.workers, initializer=_warm_worker) as pool:
            list(pool.map(int, range(args.workers)))  # start and warm every worker first
            folders = [folder] * len(pages)
            base_pool, base_pool_rate = timed(
                f"baseline, {args.workers} processes (one per call)",
                args.count,
                lambda: list(pool.map(baseline_one, pages, folders)),
            )
            chunks = _chunks(pages)
            pipe_pool, pipe_pool_rate = timed(
                f"pipeline, {args.workers} processes (a chunk per call)",
                args.count,
                lambda: [
                    r for rs in pool.map(pipeline_chunk, chunks, [folder] * len(chunks)) for r in rs
                ],
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    for label, results in (("baseline", base), ("pipeline", pipe)):
        check_pdfs(label, pages, results, args.sample)
    for label, results in (("baseline", base_pool), ("pipeline", pipe_pool)):
        check_pdfs(label, pages, results, 0)
    print(
        f"all {4 * args.count} PDFs valid: tagged, number on every page, name and units "
        f"present; QR codes decoded on every page of {args.sample} per side"
    )
    per_process = pipe_rate / base_rate
    pooled = pipe_pool_rate / base_pool_rate
    print(f"ratio, per process:            {per_process:.2f}x the baseline (goal: 4x)")
    print(f"ratio, both in a {args.workers}-process pool: {pooled:.2f}x the baseline (goal: 4x)")
    print("goal met" if min(per_process, pooled) >= 4 else "goal NOT met")


if __name__ == "__main__":
    main()
