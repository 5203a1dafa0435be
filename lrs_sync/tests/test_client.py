"""The LRS client against the sandpit, in-process over WSGI and over real sockets (R-LRN-7)."""

import datetime
import io
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from lrs_sandpit.services import registered_learner_add
from lrs_sync.client import Endpoint, InProcessPortalApp, LrsClient, lrs_client
from lrs_sync.envelopes import Credentials
from lrs_sync.soap import body_payload, contract_errors
from lrs_sync.verification_types import (
    LearnerToVerify,
    LrsCredentialsRefused,
    LrsError,
    LrsFault,
    LrsUnavailable,
)
from tests.network import free_local_port

BORN = datetime.date(2005, 9, 30)
SANDPIT = Endpoint.from_setting(
    "wsgi://testserver/lrs-sandpit/LearnerService.svc", setting_name="test"
)
GOOD = Credentials(
    organisation_ref="SANDPIT-AO",
    ukprn="10099999",
    username="sandpit-user",
    password="sandpit-password",
)


class Tap:
    """Passes every request to the portal unchanged, keeping a copy of what was sent."""

    def __init__(self) -> None:
        self.app = InProcessPortalApp()
        self.sent: list[tuple[str, str, bytes]] = []

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        self.sent.append(
            (environ.get("HTTP_SOAPACTION", ""), environ.get("CONTENT_TYPE", ""), body)
        )
        return self.app(environ, start_response)


@pytest.fixture
def register(db):
    james = registered_learner_add(
        uln="8000000074", given_name="James", family_name="Okafor", date_of_birth=BORN, gender="1"
    )
    registered_learner_add(
        uln="8000000082",
        given_name="James",
        family_name="Okafor",
        date_of_birth=BORN,
        gender="1",
        master_uln=james.uln,
    )
    registered_learner_add(
        uln="8000000031",
        given_name="Rebecca",
        family_name="Turner",
        previous_family_name="Marsh",
        date_of_birth=datetime.date(2004, 7, 8),
        gender="2",
    )


def learner(
    uln="8000000074", given="James", family="Okafor", born=BORN, gender="1", key=""
) -> LearnerToVerify:
    return LearnerToVerify(
        uln=uln,
        given_name=given,
        family_name=family,
        date_of_birth=born,
        gender=gender,
        mis_identifier=key,
    )


@pytest.mark.parametrize(
    ("sent", "code", "lrs_uln", "flags"),
    [
        (learner(given="JAMES"), "WSVRC001", "8000000074", ()),
        (learner(uln="8000000082"), "WSVRC002", "8000000074", ()),
        (learner(given="Jim"), "WSVRC003", "8000000074", ()),
        (learner(uln="8000000082", given="Jim"), "WSVRC004", "8000000074", ()),
        (learner(born=datetime.date(2005, 9, 29)), "WSVRC005", "8000000074", ("VRF7",)),
        (learner(uln="9276308686"), "WSVRC006", "", ()),
        (
            learner(
                uln="8000000031",
                given="Rebecca",
                family="Marsh",
                born=datetime.date(2004, 7, 8),
                gender="2",
            ),
            "WSVRC003",
            "8000000031",
            (),
        ),
        (
            learner(
                uln="8000000031",
                given="Rebecca",
                family="Hussain",
                born=datetime.date(2004, 7, 8),
                gender="2",
            ),
            "WSVRC005",
            "8000000031",
            ("VRF4", "VRF5", "VRF6"),
        ),
    ],
    ids=[
        "exact",
        "linked-returns-master",
        "synonym",
        "possible-linked",
        "date-of-birth",
        "uln-not-found",
        "previous-family-name",
        "family-name",
    ],
)
def test_r_lrn_7_verify_learner_through_the_sandpit(register, sent, code, lrs_uln, flags):
    answer = lrs_client().verify_learner(sent)

    assert answer.response_code == code
    assert answer.lrs_uln == lrs_uln
    assert answer.failure_flags == flags
    assert answer.searched.uln == sent.uln


def test_r_lrn_7_a_batch_is_submitted_then_its_output_read(register):
    client = lrs_client()
    learners = [learner(key="A"), learner(uln="9276308686", key="B"), learner(given="Jim", key="C")]

    job_id = client.submit_verify_batch(learners, notify_email="lrs@ao.example")
    output = client.get_verify_batch_output(job_id)

    assert output.ready is True
    assert [
        (answer.searched.mis_identifier, answer.response_code) for answer in output.learners
    ] == [
        ("A", "WSVRC001"),
        ("B", "WSVRC006"),
        ("C", "WSVRC003"),
    ]


@override_settings(LRS_SANDPIT_BATCH_DELAY_SECONDS=3600)
def test_r_lrn_7_batch_output_not_ready_yet(register):
    client = lrs_client()
    job_id = client.submit_verify_batch([learner()], notify_email="lrs@ao.example")

    output = client.get_verify_batch_output(job_id)

    assert output.ready is False
    assert output.learners == []


def test_r_lrn_7_every_envelope_the_client_sends_validates_against_the_xsd(register):
    tap = Tap()
    client = LrsClient(learner_endpoint=SANDPIT, credentials=GOOD, wsgi_app=tap)

    client.verify_learner(learner())
    client.verify_learner(
        LearnerToVerify(uln="8000000074", given_name="James", family_name="Okafor")
    )
    job_id = client.submit_verify_batch(
        [learner(key="A"), learner(key="B")], notify_email="lrs@ao.example"
    )
    client.get_verify_batch_output(job_id)

    assert len(tap.sent) == 4
    for _, content_type, body in tap.sent:
        assert content_type.startswith("text/xml")
        assert contract_errors(body_payload(body)) == []
    assert [action for action, _, _ in tap.sent] == [
        '"http://tempuri.org/LearnerPortType/verifyLearner"',
        '"http://tempuri.org/LearnerPortType/verifyLearner"',
        '""',
        '""',
    ]


def test_credentials_refused_names_the_cause_and_never_the_password(register, caplog):
    wrong = Credentials(
        organisation_ref="SANDPIT-AO",
        ukprn="10099999",
        username="sandpit-user",
        password="Pa55-wrong",
    )
    client = LrsClient(learner_endpoint=SANDPIT, credentials=wrong)

    with caplog.at_level(logging.DEBUG), pytest.raises(LrsCredentialsRefused) as refused:
        client.verify_learner(learner())

    assert "credentials" in str(refused.value)
    assert "LRS_PASSWORD" in str(refused.value)
    assert refused.value.code == "WSEC0002"
    assert "Pa55-wrong" not in str(refused.value)
    assert "Pa55-wrong" not in caplog.text


def test_a_fault_becomes_lrs_fault_with_the_lrs_reason(register):
    client = lrs_client()

    with pytest.raises(LrsFault) as fault:
        client.get_verify_batch_output(987654321)

    assert not isinstance(fault.value, LrsCredentialsRefused)
    assert fault.value.code == "WSEC0003"
    assert "no verification job 987654321" in str(fault.value)


def test_a_value_xml_cannot_carry_is_refused_before_sending(register):
    with pytest.raises(LrsError) as error:
        lrs_client().verify_learner(learner(given="Ja\x00mes"))

    assert "cannot be sent" in str(error.value)


def test_connection_refused_is_retried_then_unavailable(caplog):
    endpoint = Endpoint.from_setting(
        f"http://127.0.0.1:{free_local_port()}/LearnerService.svc", setting_name="test"
    )
    client = LrsClient(
        learner_endpoint=endpoint, credentials=GOOD, attempts=3, backoff_seconds=0.01
    )

    with caplog.at_level(logging.WARNING), pytest.raises(LrsUnavailable) as unavailable:
        client.verify_learner(learner())

    assert "after 3 attempts" in str(unavailable.value)
    assert "connection refused" in str(unavailable.value)
    assert caplog.text.count("failed (attempt") == 3
    assert "sandpit-password" not in caplog.text + str(unavailable.value)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A socket that accepts connections and never answers: an LRS that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


def test_no_answer_within_the_timeout_is_retried_then_unavailable(silent_server):
    endpoint = Endpoint.from_setting(
        f"http://127.0.0.1:{silent_server}/LearnerService.svc", setting_name="test"
    )
    client = LrsClient(
        learner_endpoint=endpoint,
        credentials=GOOD,
        timeout_seconds=0.2,
        attempts=2,
        backoff_seconds=0,
    )

    with pytest.raises(LrsUnavailable) as unavailable:
        client.verify_learner(learner())

    assert "no answer within 0.2 seconds" in str(unavailable.value)


class _GatewayError(BaseHTTPRequestHandler):
    """A proxy in front of the LRS answering 503 with an HTML page, as proxies do."""

    calls = 0

    def do_POST(self):
        type(self).calls += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"<html><body>Service Unavailable</body></html>"
        self.send_response(503)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_5xx_without_a_soap_fault_is_retried_then_unavailable():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GatewayError)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = Endpoint.from_setting(
            f"http://127.0.0.1:{server.server_port}/LearnerService.svc", setting_name="test"
        )
        client = LrsClient(
            learner_endpoint=endpoint, credentials=GOOD, attempts=3, backoff_seconds=0
        )

        with pytest.raises(LrsUnavailable) as unavailable:
            client.verify_learner(learner())
    finally:
        server.shutdown()
        server.server_close()

    assert _GatewayError.calls == 3
    assert "HTTP 503" in str(unavailable.value)


def test_an_endpoint_setting_of_another_scheme_is_refused():
    with pytest.raises(LrsError):
        Endpoint.from_setting(
            "ftp://lrs.example/LearnerService.svc", setting_name="LRS_ENDPOINT_LEARNER"
        )


def test_an_empty_batch_is_refused_before_sending():
    with pytest.raises(LrsError):
        lrs_client().submit_verify_batch([], notify_email="lrs@ao.example")


def test_an_unreadable_client_certificate_is_a_clear_error(tmp_path):
    endpoint = Endpoint.from_setting("https://lrs.example/LearnerService.svc", setting_name="test")
    client = LrsClient(
        learner_endpoint=endpoint, credentials=GOOD, client_cert=str(tmp_path / "missing.pem")
    )

    with pytest.raises(LrsError) as error:
        client.verify_learner(learner())

    assert "LRS_CLIENT_CERT" in str(error.value)
