"""Cached answers for the public check: each certificate's public result, by token and by number.

A public check looked the certificate up in PostgreSQL and rendered its result on every request.
Now the first lookup of a token or number keeps, in Redis, the certificate as the public page
shows it and its rendered result fragment (both depend only on the certificate and its status);
later checks of it need no database query and no template. See
docs/decisions/0076-cached-public-check-results.md.

- A number or token that matches nothing is kept too ("none"), so a wrong number answers as fast
  as a right number with a wrong name: the two stay indistinguishable, in timing as in words.
- Status changes show at once: replacing or revoking a certificate, and issuing one (whose number
  or token may have been tried before), put a short-lived tombstone on its keys after the
  transaction commits (`forget_after_commit`). A tombstone reads as a miss and blocks refilling
  (fills use SET NX), so a check that read the old status just before the commit cannot put it
  back. Entries expire on their own after CERTIFICATE_CHECK_CACHE_SECONDS (default 300) in case
  Redis was unreachable when a tombstone was due.
- Redis down: every check reads PostgreSQL and renders, as before; nothing is kept.
- Only the result fragment is cached, never a whole page: signed-in users' pages are rendered
  for them, around the same fragment.
- A certificate's entry starts with a header the one-round-trip check reads inside Redis
  (check_round_trip.py): `C<id>\n<the learner's name as compared>\n`. The name is kept
  normalised (`learner_name_key`), so a check compares it without normalising it again. Then the
  result fragment's length in bytes, a newline, the fragment, and the pickle of the certificate:
  a page needs only the fragment, so the certificate is unpickled only when asked for (the API,
  a signed-in page). Entries in the two earlier forms (a bare pickle of certificate and
  fragment, or the header then that pickle) are still read.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string

from .models import Certificate
from .throttles import _redis_client
from .validators import learner_name_key

logger = logging.getLogger(__name__)

DEFAULT_SECONDS = 300
# Long enough to outlast any check that read the old state before the commit (milliseconds).
TOMBSTONE_SECONDS = 10
NONE = b"-"
TOMBSTONE = b"!"
CERTIFICATE = b"C"  # what a certificate's entry starts with
RESULT_TEMPLATE = "certificates/public/_result.html"


class Cached:
    """What the cache said: `hit` False means ask PostgreSQL; no certificate means no match.

    A certificate read from an entry is unpickled the first time `certificate` is asked for:
    the public pages need only `html` and `matched`.
    """

    __slots__ = ("_certificate", "_certificate_id", "_pickled", "hit", "html")

    def __init__(
        self,
        *,
        hit: bool,
        certificate: Certificate | None = None,
        html: str = "",
        pickled: bytes = b"",
        certificate_id: int | None = None,
    ) -> None:
        self.hit = hit
        self.html = html
        self._certificate = certificate
        self._pickled = pickled
        self._certificate_id = certificate_id

    @property
    def matched(self) -> bool:
        return self._certificate is not None or bool(self._pickled)

    @property
    def certificate(self) -> Certificate | None:
        if self._certificate is None and self._pickled:
            self._certificate = _unpickled(self._pickled, self._certificate_id)
        return self._certificate


def _unpickled(pickled: bytes, certificate_id: int | None) -> Certificate | None:
    try:
        certificate: Certificate = pickle.loads(pickled)  # noqa: S301 - written by fill() below
        return certificate
    except Exception:  # kept by another version of the portal: read the row instead
        logger.warning("unreadable certificate in the public check cache", exc_info=True)
        if certificate_id is None:
            return None
        return Certificate.objects.filter(pk=certificate_id).first()


MISS = Cached(hit=False)


# Made without Django's key validation, which only warns about keys memcached could not hold
# and costs a pass over every character on the busiest page: these keys go only to Redis.
def token_key(token: str) -> str:
    return cache.make_key(f"crt-pub:t:{token}")


def number_key(number: str) -> str:
    return cache.make_key(f"crt-pub:n:{number}")


def _seconds() -> int:
    return int(getattr(settings, "CERTIFICATE_CHECK_CACHE_SECONDS", DEFAULT_SECONDS))


def encode(certificate: Certificate, html: str) -> bytes:
    """A certificate's entry: the header the check script reads, the fragment, the pickle."""
    name_key = learner_name_key(certificate.learner_name).encode()
    fragment = html.encode()
    header = CERTIFICATE + b"%d\n%s\n%d\n" % (certificate.pk, name_key, len(fragment))
    return header + fragment + pickle.dumps(certificate, protocol=5)


def decode(raw: bytes | None) -> Cached:
    if raw is None or raw == TOMBSTONE:
        return MISS
    if raw == NONE:
        return Cached(hit=True)
    if raw.startswith(CERTIFICATE):
        head, _name_key, raw = raw.split(b"\n", 2)
        length, newline, rest = raw.partition(b"\n")
        if newline and length.isdigit():  # this form: the fragment, then the certificate
            size = int(length)
            return Cached(
                hit=True,
                html=rest[:size].decode(),
                pickled=rest[size:],
                certificate_id=int(head[len(CERTIFICATE) :]),
            )
    try:  # an entry in an earlier form: one pickle of certificate and fragment
        certificate, html = pickle.loads(raw)  # noqa: S301 - written by fill() below
    except Exception:
        logger.warning("unreadable public check cache entry ignored", exc_info=True)
        return MISS
    return Cached(hit=True, certificate=certificate, html=html)


def result_html(certificate: Certificate) -> str:
    """The public result fragment of a matched certificate (the same for every visitor)."""
    return render_to_string(RESULT_TEMPLATE, {"result": {"certificate": certificate}})


def fill(*, keys: list[str], certificate: Certificate | None) -> str:
    """Keep this lookup's answer under these keys, unless a key holds a tombstone or an answer.

    Returns the rendered result fragment ("" for no match), for the page being answered.
    """
    html = result_html(certificate) if certificate is not None else ""
    client = _redis_client()
    if client is None or not keys:
        return html
    value = NONE if certificate is None else encode(certificate, html)
    try:
        pipeline = client.pipeline(transaction=False)
        for key in keys:
            pipeline.set(key, value, ex=_seconds(), nx=True)
        pipeline.execute()
    except Exception:
        logger.warning("public check cache unavailable; answer not kept", exc_info=True)
    return html


def forget(*, number: str, token: str) -> None:
    """Drop what is kept for this certificate and stop it being refilled for a few seconds."""
    client = _redis_client()
    if client is None:
        return
    try:
        pipeline = client.pipeline(transaction=False)
        for key in (number_key(number), token_key(token)):
            pipeline.set(key, TOMBSTONE, ex=TOMBSTONE_SECONDS)
        pipeline.execute()
    except Exception:
        logger.error(
            "public check cache not cleared for certificate %s; it may show its old status "
            "for up to %s seconds",
            number,
            _seconds(),
            exc_info=True,
        )


def forget_after_commit(certificate: Any) -> None:
    number, token = certificate.number, certificate.qr_token
    transaction.on_commit(lambda: forget(number=number, token=token))
