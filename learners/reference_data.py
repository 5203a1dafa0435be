"""The prison-postcode and prohibited-text lists (R-LRN-4, R-LRN-5), kept in data files.

They are read when the app starts. The files can be replaced without a release: every process
re-reads them when their modification time changes (checked at most every RECHECK_SECONDS) or when
`manage.py reload_learner_lists` bumps the generation number in the cache."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from .validators import postcode_error, postcode_normalise

logger = logging.getLogger(__name__)

PRISON_POSTCODES_FILE = "prison_postcodes.txt"
PROHIBITED_TEXT_FILE = "prohibited_text.txt"
GENERATION_CACHE_KEY = "learners:reference-data-generation"
RECHECK_SECONDS = 30.0


def data_directory() -> Path:
    default = Path(__file__).resolve().parent / "data"
    return Path(getattr(settings, "LEARNER_REFERENCE_DATA_DIR", default))


def _lines(path: Path) -> list[str]:
    entries: list[str] = []
    for raw in path.read_text(encoding="utf-8-sig").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            entries.append(line)
    return entries


@dataclass(frozen=True)
class ReferenceLists:
    prison_postcodes: frozenset[str]
    prohibited_text: tuple[str, ...]
    signature: tuple[float, ...]


def read_lists(directory: Path | None = None) -> ReferenceLists:
    """Read and check both files; a malformed postcode line is an error naming the line."""
    directory = directory or data_directory()
    postcode_path = directory / PRISON_POSTCODES_FILE
    text_path = directory / PROHIBITED_TEXT_FILE
    postcodes = set()
    for entry in _lines(postcode_path):
        if postcode_error(entry):
            raise ValueError(f"{postcode_path}: {entry!r} is not a UK postcode")
        postcodes.add(postcode_normalise(entry))
    return ReferenceLists(
        prison_postcodes=frozenset(postcodes),
        prohibited_text=tuple(dict.fromkeys(_lines(text_path))),
        signature=(postcode_path.stat().st_mtime, text_path.stat().st_mtime),
    )


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lists: ReferenceLists | None = None
        self._generation: object = None
        self._checked_at = 0.0

    def load(self) -> ReferenceLists:
        with self._lock:
            self._lists = read_lists()
            self._checked_at = time.monotonic()
            return self._lists

    def _generation_now(self) -> object:
        try:
            return cache.get(GENERATION_CACHE_KEY)
        except Exception:  # Redis down: keep the lists we have
            logger.warning("learner reference data: cache unavailable", exc_info=True)
            return self._generation

    def get(self) -> ReferenceLists:
        if self._lists is None:
            self._generation = self._generation_now()
            return self.load()
        if time.monotonic() - self._checked_at < RECHECK_SECONDS:
            return self._lists
        self._checked_at = time.monotonic()
        generation = self._generation_now()
        try:
            signature: tuple[float, ...] = (
                (data_directory() / PRISON_POSTCODES_FILE).stat().st_mtime,
                (data_directory() / PROHIBITED_TEXT_FILE).stat().st_mtime,
            )
        except OSError:
            signature = self._lists.signature
        if generation != self._generation or signature != self._lists.signature:
            self._generation = generation
            try:
                return self.load()
            except (OSError, ValueError):
                logger.exception("learner reference data: reload failed; keeping the old lists")
        return self._lists


registry = _Registry()


def prison_postcodes() -> frozenset[str]:
    return registry.get().prison_postcodes


def prohibited_text() -> tuple[str, ...]:
    return registry.get().prohibited_text


def reload_everywhere() -> ReferenceLists:
    """Reload here, and tell every other process to reload at its next check."""
    lists = registry.load()
    try:
        cache.set(GENERATION_CACHE_KEY, time.time(), timeout=None)
    except Exception:
        logger.warning("learner reference data: could not signal other processes", exc_info=True)
    return lists
