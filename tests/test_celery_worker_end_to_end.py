"""A real Celery worker, on the real Redis broker and PostgreSQL, renders an issued certificate.

Every other test runs tasks eagerly in the test process; this one proves the deployed path:
the service commits, sends the task after commit, and a separate worker process does the work.
The worker is the shared `real_celery_worker` fixture (tests/celery_worker.py).
"""

import datetime
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from accounts.tests.factories import AOStaffFactory
from certificates.models import Certificate
from certificates.services import certificate_issue
from providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 120


def test_r_crt_3_a_worker_process_renders_the_issued_certificate_to_its_pdf(real_celery_worker):
    provider = ProviderFactory(e_certificates_enabled=True)
    certificate = certificate_issue(
        provider=provider,
        achievement_reference="end-to-end:1",
        learner_name="Priya Worker-Test",
        qualification_number="610/0311/4",
        qualification_title="Level 2 Certificate in Health and Social Care",
        units=[],
        grade="Merit",
        award_date=datetime.date(2026, 7, 10),
        acting_user=AOStaffFactory(),
    )

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        certificate = Certificate.objects.get(pk=certificate.pk)
        if certificate.pdf_sha256:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"no PDF after {WAIT_SECONDS} s:\n{real_celery_worker.log()[-4000:]}")

    # The worker, not this process, did the work: its log shows the task received and succeeded.
    log = real_celery_worker.log()
    assert "received" in log and "succeeded" in log, log[-3000:]
    text = "".join(page.extract_text() for page in PdfReader(certificate.pdf.path).pages)
    assert "Priya Worker-Test" in text
    assert certificate.number.replace("-", "") in text.replace("-", "")


def test_the_shared_worker_can_be_killed_and_restarted_with_more_environment(
    real_celery_worker,
):
    """What later tests rely on: SIGKILL as a lost machine, a restart under the same name and log,
    and environment handed to the worker process (such as a live server's URL)."""
    first_pid = real_celery_worker.pid
    real_celery_worker.kill()
    assert not real_celery_worker.is_running

    real_celery_worker.restart(env={"AWARDS_TEST_HANDED_OVER": "yes"})
    assert real_celery_worker.is_running and real_celery_worker.pid != first_pid
    environ = Path(f"/proc/{real_celery_worker.pid}/environ").read_bytes().split(b"\0")
    assert b"AWARDS_TEST_HANDED_OVER=yes" in environ
    assert real_celery_worker.log_path.exists()
