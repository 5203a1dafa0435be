"""Verification batches on a real Celery worker, reaching the sandpit over HTTP through the
live server (R-LRS-10): the deployed path, and the LRS refusing connections then coming back."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from learners.models import Learner, VerificationStatus
from learners.tests.factories import LearnerFactory
from lrs_sync.models import VerifyJob
from lrs_sync.services import verify_job_create, verify_rows_unverified
from providers.tests.factories import ProviderFactory
from tests.network import free_local_port

from .conftest import sandpit_account_ready
from .helpers import batch_user, on_register

pytestmark = [pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 120
ENDPOINT_PATH = "/lrs-sandpit/LearnerService.svc"


def _wait_for(job_id: int, condition, log_path, what: str) -> VerifyJob:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job = VerifyJob.objects.get(pk=job_id)
        if condition(job):
            return job
        time.sleep(0.3)
    pytest.fail(f"{what} after {WAIT_SECONDS} s:\n{log_path.read_text()[-4000:]}")


def _learners(count: int):  # type: ignore[no-untyped-def]
    provider = ProviderFactory()
    for index in range(count):
        learner = LearnerFactory(provider=provider)
        if index % 10:  # every tenth is unknown to the LRS
            on_register(learner)
    return provider


def test_r_lrs_10_a_worker_process_runs_a_batch_against_the_sandpit_over_http(
    live_server, start_worker
):
    sandpit_account_ready()
    provider = _learners(30)
    log = start_worker(live_server.url + ENDPOINT_PATH)

    job = verify_job_create(
        source=VerifyJob.Source.PROVIDER,
        provider=provider,
        rows=verify_rows_unverified(provider=provider),
        acting_user=batch_user(),
        chunk_size=10,
    )

    job = _wait_for(job.pk, lambda j: j.is_finished, log, "the batch did not finish")
    assert job.status == VerifyJob.Status.DONE and job.stored == 30
    statuses = list(
        Learner.objects.filter(provider=provider).values_list("verification_status", flat=True)
    )
    assert statuses.count(VerificationStatus.VERIFIED) == 27
    assert statuses.count(VerificationStatus.ULN_NOT_FOUND) == 3
    # The worker, not this process, did the work. It logs "succeeded" just after the job row is
    # saved finished, so give the log a moment to catch up.
    deadline = time.monotonic() + 10
    while "succeeded" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    text = log.read_text()
    assert "verify_job_run_task" in text and "succeeded" in text


class _Forwarder:
    """A TCP port that forwards each connection to the live server: the sandpit 'coming back'."""

    def __init__(self, listen_port: int, target: tuple[str, int]) -> None:
        self.target = target
        self.server = socket.create_server(("127.0.0.1", listen_port))
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.stopped = True
        self.server.close()


def test_r_lrs_10_with_the_sandpit_refusing_connections_the_job_waits_then_completes(
    live_server, start_worker
):
    sandpit_account_ready()
    provider = _learners(12)
    port = free_local_port()  # nothing listens here yet: every connection is refused
    log = start_worker(f"http://127.0.0.1:{port}{ENDPOINT_PATH}")

    job = verify_job_create(
        source=VerifyJob.Source.PROVIDER,
        provider=provider,
        rows=verify_rows_unverified(provider=provider),
        acting_user=batch_user(),
    )

    waiting = _wait_for(
        job.pk,
        lambda j: j.status == VerifyJob.Status.WAITING_FOR_LRS,
        log,
        "the batch did not wait for the LRS",
    )
    assert waiting.last_error and waiting.stored == 0
    assert (
        not Learner.objects.filter(provider=provider)
        .exclude(verification_status=VerificationStatus.UNVERIFIED)
        .exists()
    )

    target = urlsplit(live_server.url)
    forwarder = _Forwarder(port, (target.hostname or "127.0.0.1", target.port or 80))
    try:
        done = _wait_for(job.pk, lambda j: j.is_finished, log, "the batch did not finish")
    finally:
        forwarder.close()
    assert done.status == VerifyJob.Status.DONE and done.stored == 12
    assert done.attempts >= 2
    assert (
        Learner.objects.filter(
            provider=provider, verification_status=VerificationStatus.VERIFIED
        ).count()
        == 10
    )
