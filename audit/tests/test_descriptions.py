"""The audit log reads as plain English, with names and labels (R-ACC-7)."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.services import user_suspend, user_update
from accounts.tests.factories import AOStaffFactory, ProviderOrganisationFactory, UserFactory
from accounts.tests.helpers import sign_in
from audit.descriptions import events_described
from audit.models import AuditEvent
from audit.services import audit_record

pytestmark = pytest.mark.django_db


def _page(client, **filters):
    return client.get(reverse("audit:event_list"), filters).content.decode()


def test_r_acc_7_an_account_change_reads_with_names_and_labels_not_codes_or_ids(client):
    admin = AOStaffFactory(given_name="Sam", family_name="Super")
    riverside = ProviderOrganisationFactory(name="Riverside College")
    person = UserFactory(given_name="Jo", family_name="Bloggs", username="jo.bloggs")
    user_update(
        user=person,
        given_name="Jo",
        family_name="Bloggs",
        email=person.email,
        roles=[Role.RESULTS_ENTRY],
        acting_user=admin,
    )
    # An older row written with an organisation id, as the portal used to record one.
    audit_record(
        actor=admin,
        action="user.update",
        target=person,
        before={"organisation": person.organisation_id},
        after={"organisation": riverside.pk},
    )

    [moved, roles] = events_described(AuditEvent.objects.filter(action="user.update"))

    assert roles.description == "changed the account of Jo Bloggs (jo.bloggs)"
    assert roles.changes == ["Roles: Manage Registration & Certification → Results Entry"]
    assert moved.changes == [f"Organisation: {person.organisation.name} → Riverside College"]
    sign_in(client, admin)
    page = _page(client)
    assert "Organisation: " in page and "Riverside College" in page
    assert "user.update" not in page
    assert "{&#x27;" not in page and "{'" not in page


def test_r_acc_7_the_reason_typed_for_a_suspension_shows_on_screen(client):
    admin = UserFactory(roles=[Role.PROVIDER_SUPER_USER])
    person = UserFactory(organisation=admin.organisation, username="jo.gone")
    user_suspend(user=person, acting_user=admin, reason="Left the college in June")
    sign_in(client, admin)

    log = _page(client)
    detail = client.get(reverse("accounts:user_detail", args=[person.pk])).content.decode()

    for page in (log, detail):
        assert "Suspended the account of" in page
        assert "Reason: Left the college in June" in page
        assert "Status: Active → Suspended" in page


def test_r_acc_7_a_filter_shows_everything_that_happened_to_a_user_not_only_what_they_did(client):
    admin = UserFactory(roles=[Role.PROVIDER_SUPER_USER])
    person = UserFactory(organisation=admin.organisation, username="jo.target")
    other = UserFactory(organisation=admin.organisation, username="al.other")
    user_suspend(user=person, acting_user=admin, reason="Audit test")
    user_suspend(user=other, acting_user=admin, reason="Someone else")
    sign_in(client, admin)

    page = _page(client, about_user="jo.target")

    assert "Reason: Audit test" in page
    assert "Someone else" not in page


def test_r_acc_7_a_filter_shows_everything_that_happened_to_a_learner(client):
    from learners.tests.factories import LearnerFactory

    admin = AOStaffFactory()
    learner = LearnerFactory(given_name="Ada", family_name="Lovelace")
    other = LearnerFactory(given_name="Charles", family_name="Babbage")
    for someone in (learner, other):
        audit_record(actor=admin, action="learner.update", target=someone, after={"postcode": "X"})
    sign_in(client, admin)

    by_name = _page(client, about_learner="lovelace")
    by_uln = _page(client, about_learner=learner.uln)

    for page in (by_name, by_uln):
        assert "Changed the learner Ada Lovelace" in page
        assert "Charles Babbage" not in page


def test_r_acc_7_an_invalid_filter_keeps_the_others_and_shows_no_events(client):
    admin = UserFactory(roles=[Role.PROVIDER_SUPER_USER])
    user_suspend(
        user=UserFactory(organisation=admin.organisation), acting_user=admin, reason="Visible"
    )
    sign_in(client, admin)

    page = _page(client, actor="someone", date_from="31/02/2026")

    assert "Enter a date like 31/01/2026" in page
    assert 'value="someone"' in page
    assert "No events shown" in page
    assert "Visible" not in page


def test_r_acc_7_a_grade_change_names_the_unit_and_the_grades():
    from qualifications.tests.factories import GradingSchemeFactory

    scheme = GradingSchemeFactory(
        name="Pass/Merit/Distinction",
        grades=[("D", "Distinction", True), ("M", "Merit", True), ("P", "Pass", True)],
    )
    merit, distinction = scheme.grades.get(code="M"), scheme.grades.get(code="D")
    audit_record(
        actor=None,
        action="results.learner_update",
        object_type="results.learnerresult",
        object_id="999999",
        before={"grades": {"H/500/1002": merit.pk}, "not_claiming": False},
        after={"grades": {"H/500/1002": distinction.pk}, "not_claiming": True},
        detail={"source": "grid", "registration": "R123"},
    )

    [row] = events_described(AuditEvent.objects.all())

    assert row.changes == [
        "Unit H/500/1002 grade: Merit → Distinction",
        "Not claiming: No → Yes",
    ]
    assert row.details == ["Source: grid", "Registration: R123"]
    assert row.actor == "The portal"


def test_r_acc_7_learner_verification_reads_in_words_not_lrs_codes_or_batch_ids():
    from learners.services import LearnerVerificationOutcome, learners_verification_store
    from learners.tests.factories import LearnerFactory
    from lrs_sync.models import VerifyJob

    admin = AOStaffFactory(given_name="Sam", family_name="Super")
    learner = LearnerFactory(given_name="Jo", family_name="Bloggs")
    job = VerifyJob.objects.create(
        source=VerifyJob.Source.PROVIDER, provider=learner.provider, total=1
    )
    audit_record(actor=admin, action="lrs.verify_job.create", target=job)
    audit_record(actor=admin, action="learner.master_uln_used", target=learner)
    learners_verification_store(
        outcomes=[
            LearnerVerificationOutcome(
                learner_id=learner.pk,
                sent_uln=learner.uln,
                sent_given_name=learner.given_name,
                sent_family_name=learner.family_name,
                sent_date_of_birth=learner.date_of_birth,
                sent_gender=learner.gender,
                response_code="WSVRC004",
                failure_flags=("VRF1",),
            )
        ],
        acting_user=admin,
        via="batch",
        job_id=job.pk,
    )

    started, master, verified = events_described(AuditEvent.objects.order_by("pk"))

    assert started.description == f"started Verification batch {job.pk}"
    assert master.description == "gave the learner Jo Bloggs the master ULN the LRS linked"
    assert verified.description == "verified the learner Jo Bloggs with the LRS"
    text = " ".join([*verified.changes, *verified.details])
    assert "WSVRC004" not in text and "VRF1" not in text and "batch" in text
    assert "Possible match" in text
    assert "The given name does not match the LRS's given name." in text
    assert f"Verification batch {job.pk}" in text
