"""The sandpit's pages: its register, and adding a learner to it."""

import datetime

import pytest
from django.urls import reverse

from accounts.tests.factories import AOStaffFactory
from accounts.tests.helpers import sign_in
from lrs_sandpit.models import RegisteredLearner
from lrs_sandpit.services import registered_learner_add


@pytest.fixture
def signed_in(client, db):
    return sign_in(client, AOStaffFactory())


def test_the_register_lists_its_learners_with_their_links(signed_in):
    master = registered_learner_add(
        uln="8000000074",
        given_name="James",
        family_name="Okafor",
        date_of_birth=datetime.date(2005, 9, 30),
        gender="1",
    )
    registered_learner_add(
        uln="8000000082",
        given_name="James",
        family_name="Okafor",
        date_of_birth=datetime.date(2005, 9, 30),
        gender="1",
        master_uln=master.uln,
    )

    response = signed_in.get(reverse("lrs_sandpit:register"))

    assert response.status_code == 200
    assert "8000000082" in response.text
    assert "Linked to master" in response.text


def test_the_register_needs_a_signed_in_person(client, db):
    response = client.get(reverse("lrs_sandpit:register"))

    assert response.status_code == 302


def test_a_learner_is_added_to_the_register(signed_in):
    response = signed_in.post(
        reverse("lrs_sandpit:learner_add"),
        {
            "uln": "9276308686",
            "given_name": "Siobhán",
            "family_name": "Ní Bhriain",
            "previous_family_name": "Walsh",
            "date_of_birth": "2006-03-27",
            "gender": "2",
        },
    )

    assert response.status_code == 302
    learner = RegisteredLearner.objects.get(uln="9276308686")
    assert (learner.given_name, learner.previous_family_name) == ("Siobhán", "Walsh")


def test_an_invalid_uln_is_refused_with_a_message(signed_in):
    response = signed_in.post(
        reverse("lrs_sandpit:learner_add"),
        {
            "uln": "9276308687",
            "given_name": "A",
            "family_name": "B",
            "date_of_birth": "2006-03-27",
            "gender": "2",
        },
    )

    assert response.status_code == 200
    assert "valid check digit" in response.text
    assert not RegisteredLearner.objects.exists()


def test_a_linked_uln_needs_a_master_on_the_register(signed_in):
    response = signed_in.post(
        reverse("lrs_sandpit:learner_add"),
        {
            "uln": "9276308686",
            "given_name": "A",
            "family_name": "B",
            "date_of_birth": "2006-03-27",
            "gender": "2",
            "master_uln": "8000000074",
        },
    )

    assert "No learner with this ULN is on the register" in response.text


def test_junk_in_the_register_search_is_ignored_not_a_server_error(signed_in):
    registered_learner_add(
        uln="8000000074",
        given_name="James",
        family_name="Okafor",
        date_of_birth=datetime.date(2005, 9, 30),
        gender="1",
    )

    response = signed_in.get(reverse("lrs_sandpit:register"), {"q": "Oka\x00for", "page": "abc"})

    assert response.status_code == 200
    assert "8000000074" in response.text
