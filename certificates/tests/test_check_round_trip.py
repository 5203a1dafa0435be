"""A public check answered from the cache takes one Redis round trip, and still throttles, counts
failures and records every check as the step-by-step path does (R-CRT-2, decision 0175)."""

import os
import pickle
import threading
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse
from redis.connection import AbstractConnection

from certificates import check_buffer, check_round_trip, public_cache, services
from certificates.models import CertificateCheck
from certificates.validators import learner_names_match

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db


def _by_token(client, token, **extra):
    return client.get(reverse("certificates:check_by_token", args=[token]), **extra)


def _by_number(client, name, number, **extra):
    return client.get(reverse("certificates:verify"), {"name": name, "number": number}, **extra)


def _rows():
    check_buffer.checks_flush()
    return list(
        CertificateCheck.objects.order_by("pk").values_list(
            "method", "outcome", "certificate", "number_tried", "client_address"
        )
    )


@pytest.mark.parametrize("page", ["qr", "name_and_number"])
def test_a_check_answered_from_the_cache_takes_one_redis_round_trip(client, page):
    certificate = CertificateFactory(learner_name="Ada Lovelace")

    def check():
        if page == "qr":
            return _by_token(client, certificate.qr_token)
        return _by_number(client, "ada lovelace", certificate.display_number)

    check()  # looked up in PostgreSQL and kept
    sent = mock.patch.object(
        AbstractConnection,
        "send_packed_command",
        autospec=True,
        side_effect=AbstractConnection.send_packed_command,
    )
    with sent as send:
        response = check()

    assert "This certificate is valid" in response.content.decode()
    assert send.call_count == 1
    assert check_buffer.checks_pending() == 2


def test_r_crt_2_checks_answered_inside_redis_are_recorded_with_what_happened(client):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    other = CertificateFactory.build().number  # well formed, never issued
    for _ in range(2):  # the first of each is looked up and kept, the second answered by Redis
        _by_token(client, certificate.qr_token, REMOTE_ADDR="192.0.2.1")
        _by_token(client, "x" * 32, REMOTE_ADDR="192.0.2.2")
        _by_number(client, "Ada Lovelace", certificate.number, REMOTE_ADDR="192.0.2.3")
        _by_number(client, "Wrong Name", certificate.number, REMOTE_ADDR="192.0.2.4")
        _by_number(client, "Ada Lovelace", other, REMOTE_ADDR="192.0.2.5")

    rows = _rows()

    expected = [
        ("qr_code", "match", certificate.pk, "", "192.0.2.1"),
        ("qr_code", "no_match", None, "", "192.0.2.2"),
        ("name_number", "match", certificate.pk, certificate.number, "192.0.2.3"),
        ("name_number", "no_match", None, certificate.number, "192.0.2.4"),
        ("name_number", "no_match", None, other, "192.0.2.5"),
    ]
    assert rows == expected * 2


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_ADDRESS=(1, 600))
def test_r_crt_2_a_check_refused_inside_redis_is_recorded_as_throttled(client):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    _by_token(client, certificate.qr_token)
    _by_number(client, "Ada Lovelace", certificate.number)

    by_qr = _by_token(client, certificate.qr_token)
    by_number = _by_number(client, "Ada Lovelace", certificate.number)

    assert by_qr.status_code == by_number.status_code == 429
    assert by_qr["Retry-After"] == "600"
    assert [row[:4] for row in _rows()[2:]] == [
        ("qr_code", "throttled", None, ""),
        ("name_number", "throttled", None, certificate.number),
    ]


@override_settings(
    CERTIFICATE_CHECK_LIMIT_PER_NUMBER=(2, 600), CERTIFICATE_CHECK_LIMIT_PER_NUMBER_TOTAL=(3, 900)
)
def test_r_crt_2_wrong_names_answered_inside_redis_count_per_network_and_in_total(client):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    _by_number(client, "Ada Lovelace", certificate.number)  # kept: the rest come from Redis

    for _ in range(2):
        _by_number(client, "Wrong Name", certificate.number, REMOTE_ADDR="203.0.113.5")
    guesser = _by_number(client, "Ada Lovelace", certificate.number, REMOTE_ADDR="203.0.113.5")
    _by_number(client, "Another Guess", certificate.number, REMOTE_ADDR="198.51.100.7")
    employer = _by_number(client, "Ada Lovelace", certificate.number, REMOTE_ADDR="192.0.2.44")
    by_qr = _by_token(client, certificate.qr_token, REMOTE_ADDR="192.0.2.44")

    assert guesser.status_code == 429 and "from your network" in guesser.content.decode()
    assert employer.status_code == 429 and "resume in 15 minutes" in employer.content.decode()
    assert by_qr.status_code == 200


@pytest.mark.parametrize(
    "typed",
    [
        "Zoë O'Brien-Smith",
        "zoe obrien smith",
        "ZOË  O\u2019BRIEN SMITH",
        "Zoe\u0308 OBrien-Smith",  # the diaeresis as a combining mark
        "Zoe O'Brien",
        "Zoë O'Brien-Smithe",
        "--",
        "",
    ],
)
def test_names_compared_inside_redis_match_exactly_when_learner_names_match(typed):
    certificate = CertificateFactory(learner_name="Zoë O'Brien-Smith")
    services.certificate_check_by_token(token=certificate.qr_token, client_address=None)  # kept

    result = services.certificate_check_by_name_and_number(
        learner_name=typed, number=certificate.number, client_address="192.0.2.1"
    )

    assert result.matched is learner_names_match(typed, certificate.learner_name)
    assert _rows()[-1][1] == ("match" if result.matched else "no_match")


def test_when_the_script_cannot_run_the_check_is_made_step_by_step(client):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    _by_token(client, certificate.qr_token)
    broken = mock.patch.object(check_round_trip, "_script", side_effect=ConnectionError("down"))

    with broken, override_settings(CERTIFICATE_CHECK_LIMIT_PER_ADDRESS=(2, 600)):
        answered = _by_token(client, certificate.qr_token)
        throttled = _by_token(client, certificate.qr_token)

    assert "This certificate is valid" in answered.content.decode()
    assert throttled.status_code == 429
    assert [row[1] for row in _rows()] == ["match", "match", "throttled"]


def test_an_answer_kept_in_the_earlier_form_is_still_answered_and_recorded_once():
    certificate = CertificateFactory()
    html = public_cache.result_html(certificate)
    client = public_cache._redis_client()
    client.set(
        public_cache.token_key(certificate.qr_token), pickle.dumps((certificate, html), protocol=5)
    )

    result = services.certificate_check_by_token(token=certificate.qr_token, client_address=None)

    assert result.certificate == certificate
    assert _rows() == [("qr_code", "match", certificate.pk, "", None)]


# --- the check's own connection to Redis (decision 0182) ------------------------------------


def _own_connection_id():
    connection = check_round_trip._own.connection
    connection.send_command("CLIENT", "ID")
    return connection.read_response()


def test_a_redis_that_lost_the_script_gets_it_again_and_answers_the_check(client):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    _by_token(client, certificate.qr_token)
    public_cache._redis_client().script_flush()  # as after a restart of Redis

    connection = check_round_trip._own.connection

    answered = _by_number(client, "Ada Lovelace", certificate.number)

    assert "This certificate is valid" in answered.content.decode()
    assert [row[1] for row in _rows()] == ["match", "match"]
    script = check_round_trip._script(public_cache._redis_client())
    assert public_cache._redis_client().script_exists(script.sha) == [True]  # loaded again
    assert (
        check_round_trip._own.connection is connection
    )  # answered by the script, not step by step


def test_a_check_whose_connection_was_closed_is_made_step_by_step_then_reconnects(client):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    _by_token(client, certificate.qr_token)  # kept, and the connection made
    closed = check_round_trip._own.connection
    public_cache._redis_client().client_kill_filter(_id=_own_connection_id())

    after_close = _by_token(client, certificate.qr_token)
    again = _by_token(client, certificate.qr_token)

    assert "This certificate is valid" in after_close.content.decode()
    assert "This certificate is valid" in again.content.decode()
    assert check_round_trip._own.connection is not closed
    assert [row[1] for row in _rows()] == ["match", "match", "match"]  # each check once


def test_each_thread_and_each_forked_worker_has_a_connection_of_its_own(client):
    certificate = CertificateFactory()
    _by_token(client, certificate.qr_token)
    first = check_round_trip._own.connection

    seen = []
    thread = threading.Thread(
        target=lambda: (
            services.certificate_check_by_token(token=certificate.qr_token, client_address=None),
            seen.append(check_round_trip._own.connection),
        )
    )
    thread.start()
    thread.join()
    with mock.patch.object(check_round_trip.os, "getpid", return_value=os.getpid() + 1):
        services.certificate_check_by_token(token=certificate.qr_token, client_address=None)
        after_fork = check_round_trip._own.connection

    assert seen[0] is not None and seen[0] is not first
    assert after_fork is not first
    assert [row[1] for row in _rows()] == ["match"] * 3


def test_a_cache_set_up_anew_gets_a_connection_to_its_own_redis(client):
    certificate = CertificateFactory()
    _by_token(client, certificate.qr_token)
    first = check_round_trip._own.connection
    pool = public_cache._redis_client().connection_pool
    elsewhere = type(pool)(**{**pool.connection_kwargs, "port": 1, "socket_connect_timeout": 0.2})

    with mock.patch.object(public_cache._redis_client(), "connection_pool", elsewhere):
        services.certificate_check_by_token(token=certificate.qr_token, client_address=None)
    # nothing listens on port 1: the check was made step by step, and recorded
    assert check_round_trip._own.connection is None
    assert first._sock is None  # the connection to the earlier Redis was closed
    assert [row[1] for row in _rows()] == ["match", "match"]
