"""Benchmark: certificate PDFs per second, production pipeline against the naive baseline.

    .venv/bin/python bench/render_certificates.py [--count 500]

The baseline is what a developer would first write: for each certificate, fill in the template
and call `HTML(...).write_pdf()`. The production pipeline is what the Celery chunk tasks run
(`certificates.rendering.certificates_render_pdfs`): fonts and stylesheet loaded once per
process, one layout per chunk of 25 certificates, each page written as its own tagged PDF, and the
chunks spread over one worker process per core (as Celery's prefork workers do). Both render the
same template with the same fonts. Every PDF is then checked: it opens, has one page, and carries
its own learner's name and certificate number. Needs no database.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import random
import sys
import time
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

from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402

from certificates.rendering import (  # noqa: E402
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
UNITS = [
    {"reference": "R/615/1234", "title": "Preparing food safely", "grade": "Pass"},
    {"reference": "T/615/1235", "title": "Working in a professional kitchen", "grade": "Merit"},
]


def make_pages(count: int) -> list[CertificatePage]:
    rng = random.Random(20260101)
    pages = []
    for index in range(count):
        number, title = rng.choice(TITLES)
        with_units = index % 5 == 0
        pages.append(
            CertificatePage(
                number=certificate_number_generate(),
                qr_token=qr_token_generate(),
                learner_name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}-{index}",
                qualification_number="" if with_units else number,
                qualification_title="" if with_units else title,
                units=list(UNITS) if with_units else [],
                grade=rng.choice(["Pass", "Merit", "Distinction"]),
                award_date=date(2025, 7, 18),
                awarding_organisation_name="Northgate Awards",
            )
        )
    return pages


def baseline(pages: list[CertificatePage]) -> list[bytes]:
    return [
        HTML(string=certificates_html([page], link_stylesheet=True)).write_pdf() for page in pages
    ]


def _warm_worker() -> None:
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    _shared_fonts_and_stylesheet()
    certificates_render_pdfs(make_pages(1))


def pipeline(pages: list[CertificatePage], pool: ProcessPoolExecutor | None) -> list[bytes]:
    chunks = [pages[i : i + RENDER_CHUNK_SIZE] for i in range(0, len(pages), RENDER_CHUNK_SIZE)]
    if pool is None:
        results = [certificates_render_pdfs(chunk) for chunk in chunks]
    else:
        results = list(pool.map(certificates_render_pdfs, chunks))
    return [pdf for chunk in results for pdf in chunk]


def check_pdfs(label: str, pages: list[CertificatePage], pdfs: list[bytes]) -> None:
    assert len(pdfs) == len(pages), f"{label}: {len(pdfs)} PDFs for {len(pages)} certificates"
    for page, pdf in zip(pages, pdfs, strict=True):
        reader = PdfReader(io.BytesIO(pdf), strict=True)
        assert len(reader.pages) == 1, f"{label}: {page.number} has {len(reader.pages)} pages"
        text = reader.pages[0].extract_text()
        assert page.learner_name in text, f"{label}: {page.number} lacks {page.learner_name!r}"
        assert page.display_number in text, f"{label}: {page.number} lacks its number"


def timed(label: str, count: int, run):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    pdfs = run()
    seconds = time.perf_counter() - started
    rate = count / seconds
    print(f"{label:<42} {seconds:7.2f} s  {rate:7.1f} certificates/s  {1000 / rate:6.1f} ms each")
    return pdfs, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    pages = make_pages(args.count)
    print(
        f"{args.count} certificates, {args.workers} worker processes, chunks of {RENDER_CHUNK_SIZE}"
    )

    # Warm this process (fonts, templates, WeasyPrint's user-agent stylesheet) for both runs.
    _warm_worker()
    HTML(string=certificates_html(pages[:1], link_stylesheet=True)).write_pdf()

    base_pdfs, base_rate = timed(
        "baseline: HTML().write_pdf() each", args.count, lambda: baseline(pages)
    )
    single_pdfs, single_rate = timed(
        "pipeline, one process", args.count, lambda: pipeline(pages, None)
    )
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers, initializer=_warm_worker) as pool:
        list(pool.map(int, range(args.workers)))  # start every worker before timing
        warm_up = time.perf_counter() - started
        pool_pdfs, pool_rate = timed(
            f"pipeline, {args.workers} worker processes", args.count, lambda: pipeline(pages, pool)
        )
    print(f"(starting and warming {args.workers} workers took {warm_up:.2f} s, once per worker)")

    check_pdfs("baseline", pages, base_pdfs)
    check_pdfs("pipeline, one process", pages, single_pdfs)
    check_pdfs("pipeline", pages, pool_pdfs)
    print(f"all {3 * args.count} PDFs valid, one page each, with their own name and number")
    print(f"ratio, one process:  {single_rate / base_rate:.2f}x the baseline")
    print(f"ratio, production:   {pool_rate / base_rate:.2f}x the baseline (goal: 4x)")


if __name__ == "__main__":
    main()
