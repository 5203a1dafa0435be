"""The demo certificates: a newcomer can try the public check at once."""

import json

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_FILE
from certificates.models import Certificate, RenderJob

pytestmark = pytest.mark.django_db


def test_seed_demo_issues_renders_replaces_and_revokes_demo_certificates_once():
    call_command("seed_demo")
    counts = (Certificate.objects.count(), RenderJob.objects.count())

    call_command("seed_demo")

    assert (Certificate.objects.count(), RenderJob.objects.count()) == counts
    listed = json.loads(DEMO_FILE.read_text())["certificates"]
    statuses = [c["status"] for c in listed]
    assert statuses.count("replaced") == 1 and statuses.count("revoked") == 1
    assert all(c["pdf_sha256"] for c in listed)
    assert all("/c/" in c["check_url"] and c["learner_name"] and c["number"] for c in listed)
    assert set(RenderJob.objects.values_list("status", flat=True)) == {RenderJob.Status.DONE}


def test_seed_demo_shows_a_unit_certificate_and_a_replacement():
    call_command("seed_demo")

    listed = json.loads(DEMO_FILE.read_text())["certificates"]
    replaced = next(c for c in listed if c["status"] == "replaced")
    replacement = next(c for c in listed if c["replaces"] == replaced["number"])
    assert replacement["status"] == "valid"
    assert replacement["learner_name"] == replaced["learner_name"]
    unit = next(c for c in listed if c["learner_name"] == "Hana Kowalczyk")
    assert unit["qualification"] == "2 units towards Level 2 Diploma in Professional Cookery"
    assert Certificate.objects.get(number=unit["number"].replace("-", "")).is_unit_certificate
    # Certification in the demo results season issues a unit certificate too (R-RES-2).
    assert Certificate.objects.filter(achievement_reference__endswith=":units").exists()
