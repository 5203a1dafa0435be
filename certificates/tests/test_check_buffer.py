"""Public check records go through a Redis buffer and reach PostgreSQL in bulk (R-CRT-2)."""

from unittest import mock

import pytest

from certificates import check_buffer, services
from certificates.models import CertificateCheck
from certificates.tasks import certificate_checks_flush_task

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db


def _check(certificate, name=None):
    return services.certificate_check_by_name_and_number(
        learner_name=name or certificate.learner_name,
        number=certificate.number,
        client_address="203.0.113.9",
    )


def test_r_crt_2_a_check_waits_in_redis_until_the_flush_writes_it():
    certificate = CertificateFactory()

    _check(certificate)

    assert CertificateCheck.objects.count() == 0
    assert check_buffer.checks_pending() == 1
    assert check_buffer.checks_flush() == 1
    check = CertificateCheck.objects.get()
    assert (check.certificate, check.outcome, check.client_address) == (
        certificate,
        CertificateCheck.Outcome.MATCH,
        "203.0.113.9",
    )
    assert check_buffer.checks_pending() == 0


def test_r_crt_2_the_flush_writes_many_checks_in_chunks_keeping_each_outcome():
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    for _ in range(5):
        _check(certificate)
    for _ in range(4):
        _check(certificate, name="Someone Else")

    check_buffer.checks_flush(chunk_size=2)

    outcomes = list(CertificateCheck.objects.values_list("outcome", flat=True))
    assert sorted(outcomes) == ["match"] * 5 + ["no_match"] * 4


def test_r_crt_2_writing_the_same_batch_twice_keeps_one_row_per_check():
    """A flush that died after its commit, before deleting the batch, is simply run again."""
    certificate = CertificateFactory()
    _check(certificate)
    _check(certificate)
    client = check_buffer._redis_client()
    raw = client.lrange(check_buffer._key(check_buffer.BUFFER), 0, -1)

    check_buffer.checks_write(raw)  # as if a flush wrote them and then crashed
    check_buffer.checks_flush()

    assert CertificateCheck.objects.count() == 2


def test_r_crt_2_a_batch_left_by_a_crashed_flush_is_written_by_the_next():
    certificate = CertificateFactory()
    _check(certificate)
    with (
        mock.patch.object(check_buffer, "checks_write", side_effect=RuntimeError("crash")),
        pytest.raises(RuntimeError),
    ):
        check_buffer.checks_flush()
    _check(certificate)  # a check made after the crash goes into a fresh buffer

    assert CertificateCheck.objects.count() == 0
    assert check_buffer.checks_pending() == 2
    assert check_buffer.checks_flush() == 2
    assert CertificateCheck.objects.count() == 2
    assert check_buffer.checks_pending() == 0


def test_r_crt_2_a_check_is_written_directly_when_redis_is_down():
    certificate = CertificateFactory()
    with mock.patch.object(check_buffer, "_redis_client") as client:
        client.return_value.rpush.side_effect = ConnectionError("Redis is down")
        _check(certificate)

    check = CertificateCheck.objects.get()
    assert (check.certificate, check.outcome) == (certificate, CertificateCheck.Outcome.MATCH)
    assert check_buffer.checks_pending() == 0


def test_r_crt_2_a_second_flush_while_one_runs_leaves_the_work_to_it():
    certificate = CertificateFactory()
    _check(certificate)
    client = check_buffer._redis_client()
    client.set(check_buffer._key(check_buffer.FLUSH_LOCK), "someone-else", ex=60)

    assert check_buffer.checks_flush() == 0
    assert check_buffer.checks_pending() == 1


def test_an_unreadable_record_is_logged_not_written_and_the_rest_are(caplog):
    certificate = CertificateFactory()
    _check(certificate)
    client = check_buffer._redis_client()
    client.rpush(check_buffer._key(check_buffer.BUFFER), b"not json")

    assert check_buffer.checks_flush() == 1
    assert CertificateCheck.objects.count() == 1
    assert "unreadable certificate check record" in caplog.text


def test_r_crt_2_the_beat_task_flushes_the_buffer():
    certificate = CertificateFactory()
    _check(certificate)

    assert certificate_checks_flush_task.delay().get() == 1
    assert CertificateCheck.objects.filter(certificate=certificate).count() == 1
