"""A real Celery worker, on the real Redis broker and PostgreSQL, renders an issued certificate.

Every other test runs tasks eagerly in the test process; this one proves the deployed path:
the service commits, sends the task after commit, and a separate worker process does the work.
"""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from accounts.tests.factories import AOStaffFactory
from awards_portal.celery import app as celery_app
from certificates.models import Certificate
from certificates.services import certificate_issue
from providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 120


@pytest.fixture
def real_worker(tmp_path):
    """A worker process using the test database and the test broker; tasks are not eager."""
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "awards_portal.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "awards_portal",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-n",
                f"end-to-end-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        previous = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = False
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and worker.poll() is None:
                if celery_app.control.ping(timeout=0.5):
                    break
            else:
                pytest.fail(f"the worker did not start:\n{log_path.read_text()[-3000:]}")
            yield log_path
        finally:
            celery_app.conf.task_always_eager = previous
            worker.terminate()
            worker.wait(timeout=20)


def test_r_crt_3_a_worker_process_renders_the_issued_certificate_to_its_pdf(real_worker):
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
        pytest.fail(f"no PDF after {WAIT_SECONDS} s:\n{real_worker.read_text()[-4000:]}")

    # The worker, not this process, did the work: its log shows the task received and succeeded.
    log = real_worker.read_text()
    assert "received" in log and "succeeded" in log, log[-3000:]
    text = "".join(page.extract_text() for page in PdfReader(certificate.pdf.path).pages)
    assert "Priya Worker-Test" in text
    assert certificate.number.replace("-", "") in text.replace("-", "")
