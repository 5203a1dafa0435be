"""`make run`'s settings: no debug pages, the portal's own error pages, static files served."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
missing = client.get("/no-such-page/")
static = client.get("/static/css/portal.css")
print("DEBUG", settings.DEBUG)
body = missing.content.decode()
print("MISSING", missing.status_code, "URLconf" in body, "Page not found" in body)
print("STATIC", static.status_code)
"""


def _probe(**env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "awards_portal.settings.dev", **env_overrides})
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_development_server_keeps_debug_off_and_lists_no_url_patterns():
    output = _probe()
    assert "DEBUG False" in output
    # The portal's own 404 page, not Django's technical page listing every URL pattern.
    assert "MISSING 404 False True" in output


def test_development_server_serves_static_files_with_debug_off():
    assert "STATIC 200" in _probe()


def test_development_server_turns_debug_on_only_when_asked():
    assert "DEBUG True" in _probe(DEBUG="1")
