"""Production settings refuse unsafe configuration and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k" * 20 + "-a-long-random-production-secret-value-0123456789"


def _manage(args, **env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "awards_portal.settings.production",
            "PORTAL_BASE_URL": "https://portal.awards.example",
            **env_overrides,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_stops_naming_it():
    result = _manage(["check"])
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_with_a_known_default_secret_key_stops():
    result = _manage(["check"], SECRET_KEY="dev-only-insecure-key-do-not-use-in-production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_with_debug_on_stops_naming_debug():
    result = _manage(["check"], SECRET_KEY=STRONG_KEY, DEBUG="True")
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_passes_the_deployment_checks_when_properly_configured():
    result = _manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="portal.awards.example",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_cookies_are_secure_http_only_and_same_site():
    result = _manage(
        [
            "shell",
            "-c",
            "from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
            "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_AGE)",
        ],
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="portal.awards.example",
    )
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "True", "Lax", "True", "1800"]


def test_production_refuses_a_local_or_plain_http_portal_address():
    for address in ("http://127.0.0.1:8000", "https://localhost", "http://portal.awards.example"):
        result = _manage(["check"], SECRET_KEY=STRONG_KEY, PORTAL_BASE_URL=address)
        assert result.returncode != 0, address
        assert "PORTAL_BASE_URL must be set" in result.stderr


def test_production_never_mounts_the_lrs_sandpit():
    result = _manage(
        [
            "shell",
            "-c",
            "from django.urls import resolve, Resolver404\n"
            "try:\n    resolve('/lrs-sandpit/LearnerService.svc'); print('MOUNTED')\n"
            "except Resolver404:\n    print('ABSENT')",
        ],
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="portal.awards.example",
    )
    assert result.stdout.strip().splitlines()[-1] == "ABSENT", result.stderr


def test_production_refuses_to_start_with_the_lrs_sandpit_on():
    result = _manage(["check"], SECRET_KEY=STRONG_KEY, LRS_SANDPIT_ENABLED="True")
    assert result.returncode != 0
    assert "LRS_SANDPIT_ENABLED" in result.stderr


def test_production_refuses_an_lrs_endpoint_that_would_send_the_password_unencrypted():
    for address in ("http://lrs.example/LearnerService.svc", "wsgi://x/lrs-sandpit/L.svc"):
        result = _manage(["check"], SECRET_KEY=STRONG_KEY, LRS_ENDPOINT_LEARNER=address)
        assert result.returncode != 0, address
        assert "LRS_ENDPOINT_LEARNER" in result.stderr
