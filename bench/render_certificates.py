"""Benchmark: CPU time per certificate PDF for the naive way, the pipeline and WeasyPrint's floor.

    .venv/bin/python bench/render_certificates.py [--count 500] [--memory-count 10000]

Four sides render the same certificates (the bench's own mix of units), chunk by chunk, taking
turns within every chunk (the order rotates), so load from elsewhere on a busy machine falls on
all four alike. Each side's process CPU time is summed per side; wall time is printed too.

- naive: one `HTML(string=...).write_pdf()` per certificate with the certificate template and
  its stylesheet linked, so the stylesheet is parsed and the fonts loaded for each certificate.
- pipeline: `certificates.rendering.certificates_render_pdfs` on the chunk (25), as the Celery
  chunk tasks call it: fonts and stylesheet kept by the process, one layout per chunk, every
  page checked first (decision 0060), one tagged PDF per certificate.
- floor: the same content (name, qualification, grade, units table, number, QR code PNG) in the
  plainest A4 stylesheet, with no margin boxes, no frame and no positioning, laid out once per
  chunk with fonts and stylesheet shared, one tagged PDF per certificate: what WeasyPrint needs
  at least for this content, whatever the design.
- floor, cycles deferred: the same floor with Python's cycle collector held back during the chunk
  as the pipeline holds it back (decision 0166), so the pipeline is also compared like with like.

All four write tagged PDF/UA-1, take each PDF's SHA-256 and write it to a file; none touches the
database. Every PDF is then checked: it opens, is tagged, carries its learner's name, every unit
reference and its number (the naive and pipeline sides on every page); for a sample the QR code
on every page is decoded with zbar and must be the certificate's check URL.

`--memory-count N` then renders N certificates through the pipeline alone and prints the
process's resident memory every tenth of the way and its peak: it must stay flat.
Needs no database.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from html import escape
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
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from awards_portal.cycle_collection import cycle_collection_deferred  # noqa: E402
from certificates.rendering import (  # noqa: E402
    PDF_VARIANT,
    CertificatePage,
    certificates_html,
    certificates_render_pdfs,
    stylesheet_path,
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


def make_pages(count: int, seed: int = 20260101) -> list[CertificatePage]:
    rng = random.Random(seed)
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


Stored = tuple[str, bytes]


def _store(folder: str, page: CertificatePage, pdf: bytes) -> Stored:
    """What storing costs on every side: the SHA-256 and writing the file."""
    digest = hashlib.sha256(pdf).hexdigest()
    (Path(folder) / f"{page.number}.pdf").write_bytes(pdf)
    return digest, pdf


def naive_chunk(chunk: Sequence[CertificatePage], folder: str) -> list[Stored]:
    return [
        _store(
            folder,
            page,
            HTML(string=certificates_html([page], link_stylesheet=True)).write_pdf(
                pdf_variant=PDF_VARIANT, pdf_tags=True
            ),
        )
        for page in chunk
    ]


def pipeline_chunk(chunk: Sequence[CertificatePage], folder: str) -> list[Stored]:
    pdfs = certificates_render_pdfs(chunk)
    return [_store(folder, page, pdf) for page, pdf in zip(chunk, pdfs, strict=True)]


class Floor:
    """The plainest rendering of the same content: the engine's floor for it."""

    def __init__(self) -> None:
        fonts = stylesheet_path().parent.parent / "fonts"
        self.font_config = FontConfiguration()
        self.stylesheet = CSS(
            string=f"""
            @font-face {{ font-family: Plain; src: url("{(fonts / "DejaVuSans.ttf").as_uri()}") }}
            @font-face {{ font-family: Plain; font-weight: bold;
                          src: url("{(fonts / "DejaVuSans-Bold.ttf").as_uri()}") }}
            @page {{ size: A4 }}
            html {{ font-family: Plain }}
            section {{ break-before: page }}
            img {{ width: 32mm; height: 32mm; image-rendering: pixelated }}
            """,
            font_config=self.font_config,
        )

    @staticmethod
    def html(chunk: Sequence[CertificatePage]) -> str:
        parts = ['<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">']
        parts.append("<title>Certificates</title></head><body>")
        for page in chunk:
            rows = "".join(
                f"<tr><td>{escape(u['reference'])}</td><td>{escape(u['title'])}</td>"
                f"<td>{escape(u['grade'])}</td></tr>"
                for u in page.units
            )
            units = (
                "<table><thead><tr><th>Unit reference</th><th>Unit title</th><th>Grade</th>"
                f"</tr></thead><tbody>{rows}</tbody></table>"
                if page.units
                else ""
            )
            parts.append(
                f'<section id="certificate-{page.number}"><h1>Certificate of Achievement</h1>'
                f"<p>{escape(page.learner_name)}</p><p>{escape(page.qualification_title)}</p>"
                f"<p>Qualification number {escape(page.qualification_number)}</p>"
                f"<p>Grade: {escape(page.grade)}</p>{units}"
                f"<p>Certificate number {page.display_number}</p>"
                f'<img src="{page.qr_data_uri}" alt="QR code"></section>'
            )
        parts.append("</body></html>")
        return "".join(parts)

    def chunk_cycles_deferred(self, chunk: Sequence[CertificatePage], folder: str) -> list[Stored]:
        """The floor with Python's cycle collector held back as the pipeline holds it back
        (decision 0166), so the pipeline is also compared like with like."""
        with cycle_collection_deferred():
            return self.chunk(chunk, folder)

    def chunk(self, chunk: Sequence[CertificatePage], folder: str) -> list[Stored]:
        document = HTML(string=self.html(chunk)).render(
            font_config=self.font_config,
            stylesheets=[self.stylesheet],
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
        )
        starts = {f"certificate-{page.number}": i for i, page in enumerate(chunk)}
        grouped: list[list] = [[] for _ in chunk]  # type: ignore[type-arg]
        current = 0
        for laid_out in document.pages:
            current = next((starts[a] for a in laid_out.anchors if a in starts), current)
            grouped[current].append(laid_out)
        return [
            _store(
                folder, page, document.copy(group).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
            )
            for page, group in zip(chunk, grouped, strict=True)
        ]


def _chunks(pages: Sequence[CertificatePage]) -> list[Sequence[CertificatePage]]:
    return [pages[i : i + RENDER_CHUNK_SIZE] for i in range(0, len(pages), RENDER_CHUNK_SIZE)]


def check_pdfs(
    label: str,
    pages: Sequence[CertificatePage],
    results: list[Stored],
    sample: int,
    *,
    every_page: bool,
) -> None:
    assert len(results) == len(pages), f"{label}: {len(results)} PDFs for {len(pages)}"
    for page, (digest, pdf) in zip(pages, results, strict=True):
        assert digest == hashlib.sha256(pdf).hexdigest()
        reader = PdfReader(io.BytesIO(pdf), strict=True)
        texts = [p.extract_text() for p in reader.pages]
        assert "/StructTreeRoot" in reader.trailer["/Root"], f"{label}: {page.number} untagged"
        if every_page:
            for n, text in enumerate(texts, start=1):
                assert page.display_number in text, f"{label}: {page.number} page {n}: no number"
        squeezed = "".join("".join(texts).split())
        assert page.display_number in squeezed, f"{label}: {page.number}: no number"
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
            if not every_page:
                images = images[-1:]  # the floor shows its QR code once, after the units
            for image in images:
                codes = [s.data.decode() for s in decode(Image.open(image))]
                assert codes == [page.check_url], f"{label}: {page.number} {image.name}: {codes}"


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_resident_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def compare(count: int, sample: int) -> None:
    pages = make_pages(count)
    long_count = sum(1 for p in pages if len(p.units) >= 15)
    print(
        f"{count} certificates ({long_count} with 15-20 units), chunks of {RENDER_CHUNK_SIZE}, "
        "the four sides taking turns in every chunk; all write tagged PDF/UA, hash with "
        "SHA-256 and store a file; none touches the database"
    )
    floor = Floor()
    sides: dict[str, Callable[[Sequence[CertificatePage], str], list[Stored]]] = {
        "naive write_pdf()": naive_chunk,
        "pipeline": pipeline_chunk,
        "floor (plain template)": floor.chunk,
        "floor, cycles deferred": floor.chunk_cycles_deferred,
    }
    warm = make_pages(2, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        for side in sides.values():
            side(warm, folder)
    cpu = dict.fromkeys(sides, 0.0)
    wall = dict.fromkeys(sides, 0.0)
    results: dict[str, list[Stored]] = {name: [] for name in sides}
    names = list(sides)
    load_before = os.getloadavg()
    folder = tempfile.mkdtemp(prefix="bench-certificates-")
    try:
        for index, chunk in enumerate(_chunks(pages)):
            for turn in range(len(names)):
                name = names[(index + turn) % len(names)]
                started_cpu, started_wall = time.process_time(), time.perf_counter()
                results[name].extend(sides[name](chunk, folder))
                cpu[name] += time.process_time() - started_cpu
                wall[name] += time.perf_counter() - started_wall
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load_after = os.getloadavg()
    print(f"{'':<24} {'CPU ms each':>12} {'wall ms each':>13} {'CPU vs floor':>13}")
    for name in names:
        print(
            f"{name:<24} {1000 * cpu[name] / count:12.1f} {1000 * wall[name] / count:13.1f} "
            f"{cpu[name] / cpu['floor (plain template)']:12.2f}x"
        )
    print(
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
        f"peak resident memory {_peak_resident_mb():.0f} MB"
    )
    check_pdfs("naive", pages, results["naive write_pdf()"], sample, every_page=True)
    check_pdfs("pipeline", pages, results["pipeline"], sample, every_page=True)
    check_pdfs("floor", pages, results["floor (plain template)"], sample, every_page=False)
    check_pdfs("floor", pages, results["floor, cycles deferred"], sample, every_page=False)
    print(
        f"all {4 * count} PDFs valid: tagged, name, units and number present (number on every "
        f"page for naive and pipeline); QR codes decoded on {sample} per side"
    )
    pipeline_ms = 1000 * cpu["pipeline"] / count
    print(f"pipeline: {pipeline_ms:.1f} ms of CPU time per certificate (goal: at most 45 ms)")
    print(
        "pipeline against the floor with the cycle collector deferred as the pipeline defers it: "
        f"{cpu['pipeline'] / cpu['floor, cycles deferred']:.2f}x"
    )


def memory_run(count: int) -> None:
    """The pipeline alone over many certificates: resident memory must stay flat."""
    print(f"memory: {count} certificates through the pipeline, resident memory as it goes")
    step = max(count // 10, RENDER_CHUNK_SIZE)
    folder = tempfile.mkdtemp(prefix="bench-certificates-memory-")
    done = 0
    started = time.process_time()
    try:
        while done < count:
            batch = make_pages(min(step, count - done), seed=done)
            for chunk in _chunks(batch):
                pipeline_chunk(chunk, folder)
                for stored in Path(folder).iterdir():
                    stored.unlink()
            done += len(batch)
            print(
                f"  after {done:>6}: resident {_resident_mb():6.1f} MB, "
                f"{1000 * (time.process_time() - started) / done:5.1f} ms CPU each"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"  peak resident memory {_peak_resident_mb():.0f} MB; "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--sample", type=int, default=10, help="PDFs per side to QR-decode")
    parser.add_argument(
        "--memory-count", type=int, default=0, help="then render this many through the pipeline"
    )
    args = parser.parse_args()
    compare(args.count, args.sample)
    if args.memory_count:
        memory_run(args.memory_count)


if __name__ == "__main__":
    main()
