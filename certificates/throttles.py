"""Limits on public certificate checks, counted in Redis (the Django cache) per address and number.

A fixed window per key: the first attempt starts the window, later attempts count up, and the
window ends on its own. Limits come from settings, with defaults that a person checking a
handful of certificates never meets, while guessing names for one number stops quickly.

Nobody can lock a certificate's check for everyone (decision 0091): failed checks of a number
count per client network (one guesser stops only their own network) and, with a higher limit, in
total (many networks guessing at once); the QR link counts only QR checks, per address, so
guesses by name and number never hold it up.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from awards_portal.client_address import address_throttle_key

logger = logging.getLogger(__name__)

DEFAULT_PER_ADDRESS = (60, 600)  # 60 checks in 10 minutes from one address
DEFAULT_PER_NUMBER = (10, 600)  # 10 failed checks of one number from one network in 10 minutes
DEFAULT_PER_NUMBER_TOTAL = (30, 600)  # 30 failed checks of one number from anywhere in 10 minutes

QR_ADVICE = (
    "If you have the certificate, scan its QR code instead (or open the link the QR code holds): "
    "that check is never held up by other people's checks."
)


@dataclass(frozen=True)
class Throttled:
    scope: str  # "address" or "number"
    retry_after_seconds: int

    @property
    def message(self) -> str:
        minutes = max(1, round(self.retry_after_seconds / 60))
        when = f"{minutes} minute{'s' if minutes != 1 else ''}"
        if self.scope == "number":
            return (
                "This certificate number has been checked too many times from your network in "
                f"a short while. To protect the learner, try again in {when}. {QR_ADVICE}"
            )
        if self.scope == "number_total":
            return (
                "This certificate number has been checked too many times in a short while. To "
                f"protect the learner, checks by name and number resume in {when}. {QR_ADVICE}"
            )
        return f"Too many certificate checks have come from your network. Try again in {when}."


def _limit(setting: str, default: tuple[int, int]) -> tuple[int, int]:
    value = getattr(settings, setting, default)
    return int(value[0]), int(value[1])


def _count(key: str, window_seconds: int) -> int:
    # add() starts the window only if no count is running; incr() is atomic in Redis.
    cache.add(key, 0, timeout=window_seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # the window ended between add() and incr()
        cache.add(key, 1, timeout=window_seconds)
        return 1


def _redis_client() -> Any:
    """The redis-py client behind the Django cache, or None for another cache backend.

    Made once per cache connection: Django's get_client() builds a new client object on every
    call, which costs more than the round trip on the public check.
    """
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    if get_client is None:
        return None
    client = getattr(backend, "_certificates_client", None)
    if client is None:
        client = get_client(write=True)
        backend._certificates_client = client  # type: ignore[union-attr]
    return client


def _count_all(
    keys: list[tuple[str, int]], *, read: Sequence[str] = (), fetch: Sequence[str] = ()
) -> tuple[list[int], list[bytes | None]]:
    """Count every key in one Redis round trip (SET NX EX, then INCR, pipelined).

    Django's cache API needs three round trips per key (add, then exists and incr); on the
    public check, the busiest page, one pipeline does it all, and also reads the `fetch` keys
    (already made full keys, e.g. the cached answer: certificates/public_cache.py). Other cache
    backends (tests may use any) take the portable path and fetch nothing.
    """
    client = _redis_client()
    if client is None:
        counted = [_count(key, window) for key, window in keys]
        return counted + [int(cache.get(key) or 0) for key in read], [None] * len(fetch)
    pipeline = client.pipeline(transaction=False)
    for key, window in keys:
        full_key = cache.make_and_validate_key(key)
        pipeline.set(full_key, 0, ex=window, nx=True)
        pipeline.incr(full_key)
    for key in read:
        pipeline.get(cache.make_and_validate_key(key))
    for key in fetch:
        pipeline.get(key)
    results = pipeline.execute()
    counted = [int(count) for count in results[1 : 2 * len(keys) : 2]]
    reads = results[2 * len(keys) : 2 * len(keys) + len(read)]
    return counted + [int(value or 0) for value in reads], list(
        results[len(results) - len(fetch) :]
    )


def _number_key(number: str) -> str:
    return f"crt-check:num:{number}"


def _number_network_key(number: str, client_address: str) -> str:
    return f"crt-check:num:{number}:net:{_network(client_address)}"


def _network(client_address: str) -> str:
    try:
        return address_throttle_key(client_address)
    except ValueError:
        return client_address


def _number_keys(number: str | None, client_address: str | None) -> list[str]:
    """The failure counters of a number: in total, and from this client's network."""
    if not number:
        return []
    keys = [_number_key(number)]
    if client_address:
        keys.append(_number_network_key(number, client_address))
    return keys


def check_throttle(
    *, client_address: str | None, number: str | None = None, by_token: bool = False
) -> Throttled | None:
    """Count this attempt against its address; say which limit it is over, if any.

    Per certificate number only *failed* checks count (`check_failed`): the limit is there to
    stop guessing names for a known number, and counting correct checks too would let anyone
    lock a certificate out of checking by name and number (M3).

    If Redis cannot be reached the check goes ahead unthrottled (and is logged): the public check
    must keep working, and every attempt is still recorded in PostgreSQL.
    """
    return check_throttle_and_fetch(
        client_address=client_address, number=number, by_token=by_token
    )[0]


def check_throttle_and_fetch(
    *,
    client_address: str | None,
    number: str | None = None,
    fetch: Sequence[str] = (),
    by_token: bool = False,
) -> tuple[Throttled | None, list[bytes | None]]:
    """`check_throttle`, reading the `fetch` keys in the same Redis round trip (None if down).

    `by_token` (the QR link) counts against its own per-address counter, so that guesses by
    name and number, even from the same network, never hold up a check by QR code.
    """
    checks: list[tuple[str, str, tuple[int, int]]] = []
    if client_address:
        limit = _limit("CERTIFICATE_CHECK_LIMIT_PER_ADDRESS", DEFAULT_PER_ADDRESS)
        counter = "qr-addr" if by_token else "addr"
        checks.append(("address", f"crt-check:{counter}:{client_address}", limit))
    read = _number_keys(number, client_address)
    try:
        counts, fetched = _count_all(
            [(key, window) for _scope, key, (_allowed, window) in checks], read=read, fetch=fetch
        )
    except Exception:  # Redis down or unreachable
        logger.warning("certificate check throttle unavailable; allowing the check", exc_info=True)
        return None, [None] * len(fetch)
    for (scope, _key, (allowed, window)), count in zip(checks, counts, strict=False):
        if count > allowed:
            return Throttled(scope=scope, retry_after_seconds=window), fetched
    failures = counts[len(checks) :]
    if len(failures) == 2:
        allowed, window = _limit("CERTIFICATE_CHECK_LIMIT_PER_NUMBER", DEFAULT_PER_NUMBER)
        if failures[1] >= allowed:
            return Throttled(scope="number", retry_after_seconds=window), fetched
    if failures:
        allowed, window = _limit(
            "CERTIFICATE_CHECK_LIMIT_PER_NUMBER_TOTAL", DEFAULT_PER_NUMBER_TOTAL
        )
        if failures[0] >= allowed:
            return Throttled(scope="number_total", retry_after_seconds=window), fetched
    return None, fetched


def check_failed(*, number: str, client_address: str | None = None) -> None:
    """Count one failed (no match) check of this number, in total and from this network."""
    if not number:
        return
    _allowed, window = _limit("CERTIFICATE_CHECK_LIMIT_PER_NUMBER", DEFAULT_PER_NUMBER)
    _allowed_total, total_window = _limit(
        "CERTIFICATE_CHECK_LIMIT_PER_NUMBER_TOTAL", DEFAULT_PER_NUMBER_TOTAL
    )
    keys = [(_number_key(number), total_window)]
    if client_address:
        keys.append((_number_network_key(number, client_address), window))
    try:
        _count_all(keys)
    except Exception:
        logger.warning("certificate check throttle unavailable; failure not counted", exc_info=True)
