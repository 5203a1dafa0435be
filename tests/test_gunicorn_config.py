"""gunicorn.conf.py is how the portal is served: the image, docker-compose and the public check
bench all start gunicorn with it (decision 0181)."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.network import free_local_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def _printed_config(**env):
    unset = {key: value for key, value in os.environ.items() if key != "WEB_CONCURRENCY"}
    printed = subprocess.run(
        [GUNICORN, "--config", "gunicorn.conf.py", "--print-config"],
        cwd=ROOT,
        env={**unset, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(re.findall(r"^(\w+)\s+= (.*)$", printed, re.M))


def test_sync_workers_two_per_core_and_one_more():
    printed = _printed_config()

    assert printed["wsgi_app"] == "awards_portal.wsgi:application"
    assert printed["worker_class"] == "sync"
    assert printed["workers"] == str(len(os.sched_getaffinity(0)) * 2 + 1)
    assert printed["timeout"] == "30"


def test_web_concurrency_sets_the_number_of_workers():
    assert _printed_config(WEB_CONCURRENCY="2")["workers"] == "2"


def test_the_image_and_docker_compose_start_gunicorn_with_it():
    dockerfile = (ROOT / "Dockerfile").read_text()
    compose = (ROOT / "docker-compose.yml").read_text()

    assert '"gunicorn", "--config", "gunicorn.conf.py"' in dockerfile
    assert "gunicorn --config gunicorn.conf.py" in compose
    assert "--workers" not in dockerfile + compose  # one place says how many


def test_gunicorn_serves_the_portal_with_it():
    port = free_local_port()
    server = subprocess.Popen(
        [GUNICORN, "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env={**os.environ, "WEB_CONCURRENCY": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        status = None
        deadline = time.monotonic() + 30
        while status is None and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page", timeout=2)
            except urllib.error.HTTPError as answered:
                status = answered.code
            except OSError:
                time.sleep(0.2)
        workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    assert status == 404  # Django's own page: the application is loaded and answering
    assert len(workers) == 2
