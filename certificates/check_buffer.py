"""Public check records: appended to Redis by the request, written to PostgreSQL in bulk by beat.

Every public check is recorded (R-CRT-2). Inserting a row per request cost about a third of a
check's time, so a check appends its record to a Redis list instead (one RPUSH), and
`checks_flush` (beat, every few seconds: `tasks.certificate_checks_flush_task`) writes them in
bulk. See docs/decisions/0075-buffered-public-check-records.md.

- Reliable: the flush first renames the list to a batch key of its own and notes that key in a
  set, atomically (a Lua script), so checks made meanwhile go to a fresh list; a batch is deleted
  only after its rows are committed (with synchronous commit: the rows must be on disk before
  their only other copy goes). A flush that dies leaves its batch in the set, and the next one
  writes it.
- Idempotent: each record carries a UUID, the row's unique `record_key`; writing a batch twice
  (a retried flush, two flushes at once) inserts each row once (ON CONFLICT DO NOTHING).
- Redis down or not the cache backend: the record is written to PostgreSQL at once, as before.

What the AO sees (checks per certificate) lags by at most the flush interval. A record is lost
only if Redis itself loses data it acknowledged (a restart without append-only persistence).
"""

from __future__ import annotations

import datetime
import json
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from .models import Certificate, CertificateCheck
from .throttles import _redis_client

logger = logging.getLogger(__name__)

BUFFER = "crt-check:buffer"
BATCHES = "crt-check:batches"
FLUSH_LOCK = "crt-check:flush-lock"
FLUSH_CHUNK = 2000
# json.dumps with separators builds a new encoder on every call; a check record needs one.
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))

# Move the whole buffer to a batch key and note the batch, atomically: a check appended at the
# same moment goes either into this batch or into the next buffer, never nowhere.
_CLAIM = """
if redis.call('exists', KEYS[1]) == 1 then
  redis.call('rename', KEYS[1], KEYS[2])
  redis.call('sadd', KEYS[3], KEYS[2])
  return 1
end
return 0
"""


def _key(name: str) -> str:
    return cache.make_and_validate_key(name)


def check_entry(
    *,
    method: str,
    outcome: str,
    client_address: str | None,
    certificate_id: int | None = None,
    number_tried: str = "",
) -> str:
    """One check as the JSON line that goes into the buffer (made when the check happens)."""
    head = check_entry_head(method=method, client_address=client_address, number_tried=number_tried)
    return head + check_entry_tail(outcome=outcome, certificate_id=certificate_id)


def check_entry_head(*, method: str, client_address: str | None, number_tried: str = "") -> str:
    """A record's JSON up to its outcome and certificate, which `check_entry_tail` completes.

    In two parts because the one-round-trip check (check_round_trip.py) learns the outcome only
    inside Redis, where its script appends the same tail to this head.
    """
    return _COMPACT_JSON.encode(
        {
            "k": uuid.uuid4().hex,
            "m": method,
            "n": number_tried[:10],
            "a": client_address,
            "t": timezone.now().isoformat(),
        }
    )[:-1]


def check_entry_tail(*, outcome: str, certificate_id: int | None) -> str:
    return f',"o":{json.dumps(outcome)},"c":{json.dumps(certificate_id)}}}'


def check_record(
    *,
    method: str,
    outcome: str,
    client_address: str | None,
    certificate_id: int | None = None,
    number_tried: str = "",
) -> None:
    """Record one public check: appended to Redis, or written to PostgreSQL if Redis fails."""
    entry = check_entry(
        method=method,
        outcome=outcome,
        client_address=client_address,
        certificate_id=certificate_id,
        number_tried=number_tried,
    )
    client = _redis_client()
    if client is not None:
        try:
            client.rpush(_key(BUFFER), entry)
            return
        except Exception:  # Redis down or unreachable: the record must not be lost
            logger.warning("check buffer unavailable; writing the check directly", exc_info=True)
    checks_write([entry], durable=False)


def _row(entry: dict[str, Any]) -> CertificateCheck:
    return CertificateCheck(
        record_key=uuid.UUID(entry["k"]),
        method=entry["m"],
        outcome=entry["o"],
        certificate_id=entry["c"],
        number_tried=entry["n"] or "",
        client_address=entry["a"],
        checked_at=datetime.datetime.fromisoformat(entry["t"]),
    )


def _parse(raw: Iterable[str | bytes]) -> list[dict[str, Any]]:
    entries = []
    for line in raw:
        try:
            entry = json.loads(line)
            _row(entry)  # every field present and well formed
        except (ValueError, KeyError, TypeError):
            logger.error("unreadable certificate check record skipped: %r", line)
            continue
        entries.append(entry)
    return entries


def checks_write(raw: Iterable[str | bytes], *, durable: bool = True) -> int:
    """Insert these check records in one statement; records already written are skipped.

    `durable=False` (a single check written in place of the buffer) lets the commit skip
    waiting for the WAL flush, as the direct write always did; a flush from the buffer must not,
    since the buffer's copy is deleted once this returns.
    """
    entries = _parse(raw)
    if not entries:
        return 0
    ids = {entry["c"] for entry in entries if entry["c"] is not None}
    known = set(Certificate.objects.filter(pk__in=ids).values_list("pk", flat=True))
    rows = []
    for entry in entries:
        if entry["c"] is not None and entry["c"] not in known:  # never in production: PROTECT
            logger.error("check record of an unknown certificate skipped: %r", entry)
            continue
        rows.append(_row(entry))
    with transaction.atomic():
        if not durable:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        CertificateCheck.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def checks_pending() -> int:
    """How many check records wait in Redis (the buffer and unfinished batches)."""
    client = _redis_client()
    if client is None:
        return 0
    waiting = int(client.llen(_key(BUFFER)))
    for batch in client.smembers(_key(BATCHES)):
        waiting += int(client.llen(batch))
    return waiting


def checks_flush(*, chunk_size: int = FLUSH_CHUNK) -> int:
    """Write every buffered check record to PostgreSQL; returns how many rows were written.

    Safe to run at any time, twice at once, or again after a crash at any point.
    """
    client = _redis_client()
    if client is None:
        return 0
    lock = _key(FLUSH_LOCK)
    lock_token = uuid.uuid4().hex
    if not client.set(lock, lock_token, nx=True, ex=300):
        return 0  # another flush is running; it writes everything there is
    try:
        batches = _key(BATCHES)
        batch = _key(f"crt-check:batch:{uuid.uuid4().hex}")
        client.eval(_CLAIM, 3, _key(BUFFER), batch, batches)
        written = 0
        for claimed in sorted(client.smembers(batches)):
            written += _flush_batch(client, claimed, batches, chunk_size)
        return written
    finally:
        if client.get(lock) == lock_token.encode():
            client.delete(lock)


def _flush_batch(client: Any, batch: bytes, batches: str, chunk_size: int) -> int:
    written = 0
    start = 0
    while True:
        raw = client.lrange(batch, start, start + chunk_size - 1)
        if not raw:
            break
        written += checks_write(raw)
        start += len(raw)
    # Only now, with every row committed, may the batch go.
    pipeline = client.pipeline(transaction=True)
    pipeline.delete(batch)
    pipeline.srem(batches, batch)
    pipeline.execute()
    return written
