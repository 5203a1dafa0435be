"""Certificate PDF files on disk: a file takes its final name only as its row commits, and files
that no committed certificate names (a render cut short) are found and removed (decision 0086).

A render writes `<name>.<random>.partial` first, then, as the last step inside the transaction
that records the certificate's PDF, moves it to its final name. A process killed while writing
leaves only a `.partial` file; one killed in the instant between the move and the commit leaves
a final-named file that no row names, which the next render of that certificate replaces. Both
are orphans to `pdf_orphans_find`.
"""

from __future__ import annotations

import datetime
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

PDF_DIRECTORY = "certificates"
PARTIAL_SUFFIX = ".partial"


def pdf_partial_write(*, name: str, content: bytes) -> Path:
    """Write the PDF beside its final name under a name no one else uses; returns its path."""
    final = Path(default_storage.path(name))
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f"{final.name}.{secrets.token_hex(6)}{PARTIAL_SUFFIX}")
    with partial.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    return partial


def pdf_partial_publish(*, partial: Path, name: str) -> None:
    """Move the partial file to its final name (replacing a leftover no committed row names)."""
    os.replace(partial, default_storage.path(name))


def pdf_partial_discard(partial: Path) -> None:
    partial.unlink(missing_ok=True)


def pdf_partials_discard(*, name: str) -> None:
    """After a certificate's PDF committed: remove partial files earlier renders of it left."""
    final = Path(default_storage.path(name))
    for leftover in final.parent.glob(f"{final.name}.*{PARTIAL_SUFFIX}"):
        leftover.unlink(missing_ok=True)


@dataclass(frozen=True)
class OrphanPdf:
    name: str  # relative to the media root, as a FileField stores it
    size: int
    modified_at: datetime.datetime


def pdf_orphans_find(*, older_than: datetime.timedelta) -> list[OrphanPdf]:
    """Files under the certificates folder that no committed certificate names.

    Only files older than `older_than` count: a render in progress owns its newer files.
    """
    from .models import Certificate

    root = Path(default_storage.path(PDF_DIRECTORY))
    if not root.is_dir():
        return []
    cutoff = time.time() - older_than.total_seconds()
    candidates = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        stat = path.stat()
        if stat.st_mtime > cutoff:
            continue
        name = path.relative_to(Path(default_storage.path(""))).as_posix()
        candidates.append((name, stat))
    if not candidates:
        return []
    named: set[str] = set()
    for start in range(0, len(candidates), 1000):
        batch = [name for name, _ in candidates[start : start + 1000]]
        named.update(Certificate.objects.filter(pdf__in=batch).values_list("pdf", flat=True))
    return [
        OrphanPdf(
            name=name,
            size=stat.st_size,
            modified_at=datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.UTC),
        )
        for name, stat in candidates
        if name not in named
    ]


def pdf_orphans_remove(*, older_than: datetime.timedelta) -> list[OrphanPdf]:
    """Remove the orphans `pdf_orphans_find` reports; returns what was removed."""
    orphans = pdf_orphans_find(older_than=older_than)
    for orphan in orphans:
        default_storage.delete(orphan.name)
        logger.warning("removed orphan certificate file %s", orphan.name)
    return orphans
