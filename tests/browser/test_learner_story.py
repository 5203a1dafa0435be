"""The learner's page tells the learner's story (issue 14 item 3): each registration with its
results stage, unit grades and outcome, and every certificate with its status, replacements
included; the ULN verification panel stays."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUPER_USERS = {"10042": "sam.patel", "20117": "owen.hughes", "30256": "nia.james"}


def test_r_crt_6_a_centre_reads_a_learners_results_and_certificates_with_their_status(page):
    call_command("seed_demo")
    from accounts.models import User
    from accounts.roles import Capability
    from certificates.services import certificate_replace
    from results.models import LearnerResult

    result = (
        LearnerResult.objects.filter(certificates__isnull=False, unit_results__isnull=False)
        .select_related("registration__learner__provider", "registration__course_run")
        .distinct()
        .first()
    )
    assert result is not None, "the demo has a certificated learner"
    learner = result.registration.learner
    original = result.certificates.order_by("pk").first()
    officer = next(u for u in User.objects.all() if u.is_ao_staff and u.can(Capability.CERTIFICATE))
    replacement = certificate_replace(
        certificate=original,
        reason="Lost in a house move",
        fee_pence=2500,
        acting_user=officer,
        render=False,
    )

    sign_in_as(page, SUPER_USERS[learner.provider.centre_number])
    page.goto(f"/learners/{learner.pk}/")
    expect(page.get_by_role("heading", name=learner.full_name)).to_be_visible()
    story = page.get_by_role("region", name="Results and certificates")
    run = result.registration.course_run
    expect(story.get_by_role("heading", name=run.programme_name)).to_be_visible()
    units = story.get_by_role("table", name=f"Unit grades on {run.programme_name}")
    first_unit = result.unit_results.select_related("unit", "grade").first()
    expect(units).to_contain_text(first_unit.unit.reference)
    expect(units).to_contain_text(first_unit.grade.label)
    certificates = story.get_by_role("table", name=f"Certificates for {run.programme_name}")
    expect(certificates.get_by_role("row", name=original.display_number)).to_contain_text(
        "Replaced by a later certificate"
    )
    expect(certificates.get_by_role("row", name=replacement.display_number)).to_contain_text(
        "(replacement)"
    )
    expect(page.get_by_role("heading", name="ULN verification")).to_be_visible()
    assert_accessible(page)

    certificates.get_by_role("link", name=replacement.display_number).click()
    expect(page.get_by_role("heading", name=replacement.display_number)).to_be_visible()
