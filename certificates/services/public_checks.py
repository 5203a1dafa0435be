"""Public checks (R-CRT-2): by name and number, by QR token and by PDF, throttled, cached and
recorded."""

from __future__ import annotations

from typing import Any

from .. import check_buffer, check_round_trip, public_cache
from ..models import Certificate, CertificateCheck
from ..throttles import Throttled, check_failed, check_throttle, check_throttle_and_fetch
from ..validators import (
    certificate_number_normalise,
    learner_name_key,
    learner_names_match,
    pdf_sha256,
)

# --- public checks (R-CRT-2) ----------------------------------------------------------------


class CheckResult:
    """What a public check found: the certificate (None: no match), or that it was throttled.

    `html` is the public result fragment for a match, when the answer came with it
    (public_cache.py). A result answered from the cache unpickles its certificate only if
    `certificate` is asked for: the public pages need only `matched` and `html`.
    """

    __slots__ = ("_certificate", "_kept", "html", "throttled")

    def __init__(
        self,
        certificate: Certificate | None = None,
        throttled: Throttled | None = None,
        html: str = "",
        *,
        kept: public_cache.Cached | None = None,
    ) -> None:
        self.throttled = throttled
        self.html = kept.html if kept is not None else html
        self._certificate = certificate
        self._kept = kept

    @property
    def certificate(self) -> Certificate | None:
        return self._kept.certificate if self._kept is not None else self._certificate

    @property
    def matched(self) -> bool:
        return self._kept.matched if self._kept is not None else self._certificate is not None


def _record_check(
    *,
    method: str,
    outcome: str,
    client_address: str | None,
    certificate: Certificate | None = None,
    number_tried: str = "",
) -> None:
    # Appended to Redis and written to PostgreSQL in bulk by beat (check_buffer.py); written
    # directly if Redis cannot take it. The AO's check counts lag by at most the flush interval.
    check_buffer.check_record(
        method=method,
        outcome=outcome,
        client_address=client_address,
        certificate_id=certificate.pk if certificate is not None else None,
        number_tried=number_tried,
    )


def _public_queryset() -> Any:
    # Only the certificate's own columns: the check page shows nothing else (R-CRT-2), and on
    # the busiest page a join would cost time for nothing.
    return Certificate.objects.all()


def _public_lookup(cached: bytes | None, keys: list[str], **lookup: str) -> public_cache.Cached:
    """The certificate for this token or number, from the cache, else PostgreSQL (then kept)."""
    answer = public_cache.decode(cached)
    if answer.hit:
        return answer
    certificate = _public_queryset().filter(**lookup).first()
    if certificate is not None:  # kept under both keys: a QR check warms the check by number
        keys = [
            public_cache.token_key(certificate.qr_token),
            public_cache.number_key(certificate.number),
        ]
    html = public_cache.fill(keys=keys, certificate=certificate)
    return public_cache.Cached(hit=True, certificate=certificate, html=html)


def certificate_check_by_name_and_number(
    *,
    learner_name: str,
    number: str,
    client_address: str | None,
    method: str = CertificateCheck.Method.NAME_AND_NUMBER,
) -> CheckResult:
    """Check learner name + certificate number, throttled and recorded (R-CRT-2).

    A wrong name and a wrong number give the same answer, so the check reveals nothing about
    which part was wrong. Both are answered from the cache once looked up (a number that
    matches nothing is kept too), so neither is slower than the other. With Redis, a check
    answered from the cache is throttled, answered and recorded in one round trip
    (check_round_trip.py).
    """
    canonical = certificate_number_normalise(number)
    key = public_cache.number_key(canonical)
    trip = check_round_trip.check_in_one_round_trip(
        method=method,
        client_address=client_address,
        answer_key=key,
        number=canonical,
        typed_name_key=learner_name_key(learner_name),
    )
    if trip is not None and trip.outcome != "miss":
        return _answered(trip)
    if trip is None:  # no Redis script: count and read step by step
        throttled, (cached,) = check_throttle_and_fetch(
            client_address=client_address, number=canonical, fetch=[key]
        )
        if throttled:
            _record_check(
                method=method,
                outcome=CertificateCheck.Outcome.THROTTLED,
                client_address=client_address,
                number_tried=canonical,
            )
            return CheckResult(throttled=throttled)
    else:  # counted by the script; not answered from the cache, so not recorded yet
        cached = trip.raw
    answer = _public_lookup(cached, [key], number=canonical)
    certificate, html = answer.certificate, answer.html
    if certificate is not None and not learner_names_match(learner_name, certificate.learner_name):
        certificate, html = None, ""
    if certificate is None:
        check_failed(number=canonical, client_address=client_address)
    _record_check(
        method=method,
        outcome=CertificateCheck.Outcome.MATCH
        if certificate
        else CertificateCheck.Outcome.NO_MATCH,
        client_address=client_address,
        certificate=certificate,
        number_tried=canonical,
    )
    return CheckResult(certificate=certificate, html=html)


def _answered(trip: check_round_trip.Trip) -> CheckResult:
    """The result of a check the script throttled, or answered from the cache and recorded."""
    if trip.throttled:
        return CheckResult(throttled=trip.throttled)
    if trip.outcome == "no_match":
        return CheckResult()
    return CheckResult(kept=trip.answer)


def certificate_check_by_token(*, token: str, client_address: str | None) -> CheckResult:
    """The QR code's link: the token alone identifies the certificate (R-CRT-1, R-CRT-2)."""
    keys = [public_cache.token_key(token)] if token else []
    trip = check_round_trip.check_in_one_round_trip(
        method=CertificateCheck.Method.QR_CODE,
        client_address=client_address,
        answer_key=keys[0] if keys else "",
        by_token=True,
    )
    if trip is not None and trip.outcome != "miss":
        return _answered(trip)
    if trip is None:  # no Redis script: count and read step by step
        throttled, fetched = check_throttle_and_fetch(
            client_address=client_address, fetch=keys, by_token=True
        )
        if throttled:
            _record_check(
                method=CertificateCheck.Method.QR_CODE,
                outcome=CertificateCheck.Outcome.THROTTLED,
                client_address=client_address,
            )
            return CheckResult(throttled=throttled)
        cached = fetched[0] if keys else None
    else:  # counted by the script; not answered from the cache, so not recorded yet
        cached = trip.raw
    answer = _public_lookup(cached, keys, qr_token=token) if token else public_cache.MISS
    _record_check(
        method=CertificateCheck.Method.QR_CODE,
        outcome=CertificateCheck.Outcome.MATCH
        if answer.certificate
        else CertificateCheck.Outcome.NO_MATCH,
        client_address=client_address,
        certificate=answer.certificate,
    )
    return CheckResult(certificate=answer.certificate, html=answer.html)


def certificate_check_by_pdf(*, content: bytes, client_address: str | None) -> CheckResult:
    """Is this file, byte for byte, a certificate PDF the AO issued? Compared by SHA-256."""
    throttled = check_throttle(client_address=client_address)
    if throttled:
        _record_check(
            method=CertificateCheck.Method.PDF_UPLOAD,
            outcome=CertificateCheck.Outcome.THROTTLED,
            client_address=client_address,
        )
        return CheckResult(throttled=throttled)
    certificate = _public_queryset().filter(pdf_sha256=pdf_sha256(content)).first()
    _record_check(
        method=CertificateCheck.Method.PDF_UPLOAD,
        outcome=CertificateCheck.Outcome.MATCH
        if certificate
        else CertificateCheck.Outcome.NO_MATCH,
        client_address=client_address,
        certificate=certificate,
    )
    return CheckResult(certificate=certificate)
