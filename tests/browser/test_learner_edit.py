"""A centre's super user corrects a learner's details and withdraws a registration (issue 14
item 2): the checks of registering, errors at the field, nothing typed lost, every change audited
in plain English, and only what a provider may set (R-REG-14)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_lrn_1_r_lrn_7_r_reg_14_sam_edits_a_learner_and_withdraws_a_registration(page):
    call_command("seed_demo")
    from audit.descriptions import events_described
    from audit.models import AuditEvent
    from learners.models import Learner, VerificationStatus
    from registrations.models import Registration, RegistrationStatus

    registration = (
        Registration.objects.filter(
            status=RegistrationStatus.REGISTERED,
            voided_at__isnull=True,
            course_run__provider__centre_number="10042",
        )
        .select_related("learner")
        .first()
    )
    learner = registration.learner
    # Verified with the LRS earlier: a new family name makes that verification meaningless.
    Learner.objects.filter(pk=learner.pk).update(
        verification_status=VerificationStatus.VERIFIED, verification_code="WSVRC001"
    )
    first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    sign_in_as(page, "sam.patel")

    page.goto(f"/learners/{learner.pk}/")
    expect(page.get_by_role("heading", name=learner.full_name)).to_be_visible()
    page.get_by_role("link", name="Edit details").click()
    expect(page.get_by_role("heading", name=f"Edit {learner.full_name}")).to_be_visible()
    assert_accessible(page)

    # R-LRN-1: a mistyped ULN is refused at the field, and the other changes are kept.
    page.get_by_label("Family name", exact=True).fill("Okafor-Reid")
    page.get_by_label("Unique Learner Number (ULN)").fill("9276308687")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".error-summary")).to_be_focused()
    uln = page.get_by_label("Unique Learner Number (ULN)")
    expect(page.locator(".field", has=uln).locator(".error-message")).to_contain_text(
        "the last digit does not match"
    )
    expect(page.get_by_label("Family name", exact=True)).to_have_value("Okafor-Reid")
    expect(page.locator("body")).not_to_contain_text("R-LRN")
    assert_accessible(page)

    uln.fill(learner.uln)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("details are saved")
    expect(page.get_by_role("heading", name="Okafor-Reid")).to_be_visible()
    expect(page.get_by_text("Status: Not verified")).to_be_visible()  # R-LRN-7
    assert_accessible(page)

    # R-REG-14: a provider cannot confirm receipt of a certificate never sent, then withdraws.
    page.get_by_role("link", name="Change or withdraw").first.click()
    expect(page.get_by_role("heading", name="Change or withdraw a registration")).to_be_visible()
    assert_accessible(page)
    status = page.get_by_label("Status")
    expect(status.locator("option")).to_have_text(
        [
            "Not registered",
            "Registered",
            "Exempt",
            "Registration Not Required",
            "Certificate Received",
        ]
    )
    status.select_option(label="Certificate Received")
    page.get_by_label("Reason for the change").fill("Learner left the course in week 3")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".field", has=page.get_by_label("Status"))).to_contain_text(
        "only for a certificate that has been sent"
    )
    expect(page.get_by_label("Reason for the change")).to_have_value(
        "Learner left the course in week 3"
    )
    assert_accessible(page)

    page.get_by_label("Status").select_option(label="Not registered")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("The registration is saved")
    assert_accessible(page)

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.NOT_REGISTERED
    events = AuditEvent.objects.filter(
        action__in=["learner.update", "registration.update"], pk__gt=first_event
    ).order_by("pk")
    described = events_described(events)
    assert [v.event.action for v in described] == ["learner.update", "registration.update"]
    learner_words = " ".join([described[0].description, *described[0].changes])
    assert "changed the learner" in learner_words and "Okafor-Reid" in learner_words
    assert described[0].event.detail.get("verification", "").startswith("reset to not verified")
    registration_words = " ".join(
        [described[1].description, *described[1].changes, *described[1].details]
    )
    assert "Not registered" in registration_words
    assert "Learner left the course in week 3" in registration_words
