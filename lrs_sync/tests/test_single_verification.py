"""Verifying one learner against the LRS sandpit, and the learner's verification state
(R-LRN-7, R-LRS-10)."""

import datetime

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from learners.models import VerificationStatus
from learners.services import learner_update
from learners.tests.factories import LearnerFactory, valid_uln
from lrs_sync.services import learner_uln_use_master, learner_verify

from .helpers import ao_user, on_register

pytestmark = pytest.mark.django_db


def test_r_lrs_10_an_exact_match_verifies_the_learner_and_keeps_who_and_when():
    learner = on_register(LearnerFactory(given_name="Amira", family_name="Haddad"))
    user = ao_user()

    answer = learner_verify(learner=learner, acting_user=user)

    learner.refresh_from_db()
    assert answer.response_code == "WSVRC001"
    assert learner.verification_status == VerificationStatus.VERIFIED
    assert learner.verification_code == "WSVRC001"
    assert learner.verification_flags == []
    assert learner.lrs_family_name == "Haddad"
    assert learner.verified_by == user
    assert learner.verified_at is not None
    assert AuditEvent.objects.filter(action="learner.verified", object_id=str(learner.pk)).exists()


def test_r_lrs_10_a_different_date_of_birth_is_not_matched_with_vrf7():
    learner = on_register(LearnerFactory(), date_of_birth=datetime.date(2003, 2, 1))

    learner_verify(learner=learner, acting_user=ao_user())

    learner.refresh_from_db()
    assert learner.verification_status == VerificationStatus.NOT_MATCHED
    assert learner.verification_code == "WSVRC005"
    assert "VRF7" in learner.verification_flags
    assert learner.lrs_date_of_birth == datetime.date(2003, 2, 1)


def test_r_lrs_10_an_unknown_uln_is_uln_not_found():
    learner = LearnerFactory()

    learner_verify(learner=learner, acting_user=ao_user())

    learner.refresh_from_db()
    assert learner.verification_status == VerificationStatus.ULN_NOT_FOUND


@pytest.mark.parametrize("field", ["uln", "given_name", "family_name", "date_of_birth", "gender"])
def test_r_lrn_7_changing_a_checked_detail_resets_the_learner_to_unverified(field):
    learner = on_register(LearnerFactory(given_name="Tomas", family_name="Berg"))
    learner_verify(learner=learner, acting_user=ao_user())
    new_values = {
        "uln": valid_uln(9000),
        "given_name": "Tomasz",
        "family_name": "Bergman",
        "date_of_birth": datetime.date(2004, 6, 2),
        "gender": "1",
    }

    learner_update(learner=learner, details={field: new_values[field]}, acting_user=UserFactory())

    learner.refresh_from_db()
    assert learner.verification_status == VerificationStatus.UNVERIFIED
    assert learner.verification_code == ""
    assert learner.lrs_uln == ""
    event = AuditEvent.objects.filter(action="learner.update", object_id=str(learner.pk)).last()
    assert "reset to not verified" in event.detail["verification"]


def test_r_lrn_7_changing_the_address_keeps_the_verification():
    learner = on_register(LearnerFactory())
    learner_verify(learner=learner, acting_user=ao_user())

    learner_update(learner=learner, details={"town": "Harrogate"}, acting_user=UserFactory())

    learner.refresh_from_db()
    assert learner.verification_status == VerificationStatus.VERIFIED


def test_r_lrs_10_an_answer_about_details_the_learner_no_longer_has_is_not_kept():
    from learners.services import LearnerVerificationOutcome, learners_verification_store

    learner = LearnerFactory(family_name="Okafor")
    stored = learners_verification_store(
        outcomes=[
            LearnerVerificationOutcome(
                learner_id=learner.pk,
                sent_uln=learner.uln,
                sent_given_name=learner.given_name,
                sent_family_name="Okafor-Smith",  # what the runner sent before a correction
                sent_date_of_birth=learner.date_of_birth,
                sent_gender=learner.gender,
                response_code="WSVRC001",
            )
        ],
        acting_user=None,
        via="batch",
    )

    learner.refresh_from_db()
    assert stored == []
    assert learner.verification_status == VerificationStatus.UNVERIFIED


def test_r_lrs_10_a_linked_uln_offers_the_master_and_using_it_is_an_audited_update():
    learner = LearnerFactory(given_name="Nadia", family_name="Price")
    master_uln = valid_uln(8123)
    on_register(learner, uln=master_uln)
    on_register(learner, master_uln=master_uln)
    user = ao_user()

    answer = learner_verify(learner=learner, acting_user=user)
    learner.refresh_from_db()
    assert answer.response_code == "WSVRC002"
    assert learner.verification_status == VerificationStatus.LINKED
    assert learner.lrs_uln == master_uln
    old_uln = learner.uln

    learner_uln_use_master(learner=learner, acting_user=user)

    learner.refresh_from_db()
    assert learner.uln == master_uln
    update = AuditEvent.objects.get(action="learner.update", object_id=str(learner.pk))
    assert update.before == {"uln": old_uln} and update.after == {"uln": master_uln}
    reason = AuditEvent.objects.get(action="learner.master_uln_used", object_id=str(learner.pk))
    assert reason.actor == user
    assert "WSVRC002" in reason.detail["reason"]
    assert learner.verification_status == VerificationStatus.UNVERIFIED  # verify the master


def test_r_lrs_10_the_learners_page_shows_the_answer_in_words_side_by_side(client):
    learner = on_register(LearnerFactory(family_name="Lewis"), family_name="Lewes")
    user = ao_user()
    sign_in(client, user)

    response = client.post(reverse("lrs_sync:learner_verify", args=[learner.pk]), follow=True)

    page = response.content.decode()
    assert "WSVRC005" in page or "WSVRC003" in page
    assert "Learner does not match" in page or "Possible match" in page
    assert "The portal holds" in page and "The LRS holds" in page
    assert "Lewes" in page and "Lewis" in page
    if "WSVRC005" in page:
        assert "VRF5" in page
        assert "The family name does not match the LRS&#x27;s family name." in page
        assert "Check the family name with the learner." in page


def test_r_acc_5_a_provider_user_cannot_verify(client):
    learner = LearnerFactory()
    user = UserFactory(organisation=learner.provider.organisation)
    sign_in(client, user)

    response = client.post(reverse("lrs_sync:learner_verify", args=[learner.pk]))

    assert response.status_code == 403


def test_r_lrs_10_the_lrs_unreachable_says_so_and_changes_nothing(client, settings):
    settings.LRS_ENDPOINT_LEARNER = "http://127.0.0.1:9/lrs-sandpit/LearnerService.svc"
    learner = LearnerFactory()
    sign_in(client, ao_user())

    response = client.post(reverse("lrs_sync:learner_verify", args=[learner.pk]), follow=True)

    assert "The LRS is unavailable just now" in response.content.decode()
    learner.refresh_from_db()
    assert learner.verification_status == VerificationStatus.UNVERIFIED


def test_r_lrn_7_a_centre_does_not_see_the_lrs_values_of_a_learner_it_did_not_match(client):
    # A mistyped ULN belongs to someone else: the LRS's name and date of birth for it are that
    # other person's, so the centre sees the answer and the next step, never their details.
    learner = on_register(LearnerFactory(), date_of_birth=datetime.date(2003, 2, 1))
    learner_verify(learner=learner, acting_user=ao_user())
    sign_in(client, UserFactory(organisation=learner.provider.organisation))

    page = client.get(reverse("learners:detail", args=[learner.pk])).content.decode()

    assert "WSVRC005" in page
    assert "02/2003" not in page and "The LRS holds" not in page
    assert "may belong to someone else" in page


def test_r_lrn_7_ao_staff_see_the_lrs_values_side_by_side_for_a_learner_not_matched(client):
    learner = on_register(LearnerFactory(), date_of_birth=datetime.date(2003, 2, 1))
    user = ao_user()
    learner_verify(learner=learner, acting_user=user)
    sign_in(client, user)

    page = client.get(reverse("learners:detail", args=[learner.pk])).content.decode()

    assert "01/02/2003" in page and "The LRS holds" in page
