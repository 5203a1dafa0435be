"""The one people search (R-LRN-2: names matched case- and accent-insensitively): learners,
registrations and certificates find the same people for the same words."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from certificates.selectors import certificates_list
from certificates.tests.factories import CertificateFactory
from learners.selectors import learners_search
from learners.tests.factories import LearnerFactory
from people_search.names import name_search_words
from registrations.models import RegistrationStatus
from registrations.selectors import registrations_for_list
from registrations.tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def test_r_lrn_2_typed_words_lose_case_accents_and_punctuation():
    assert name_search_words("  Zoë  O\u2019Neill ") == ["zoe", "oneill"]
    assert name_search_words("SIOBHÁN Ní-Bhriain") == ["siobhan", "nibhriain"]
    assert name_search_words("Søren Łukasz") == ["soren", "lukasz"]
    assert name_search_words("'-.") == []


@pytest.fixture
def people():
    zoe = RegistrationFactory(
        learner__given_name="Zoë",
        learner__family_name="Adeyemi",
        status=RegistrationStatus.REGISTERED,
        registration_number="AB12345",
    )
    oneill = RegistrationFactory(
        course_run=zoe.course_run,
        learner__given_name="Liam",
        learner__family_name="O'Neill",
    )
    RegistrationFactory(
        course_run=zoe.course_run, learner__given_name="Zack", learner__family_name="Adams"
    )
    provider = zoe.course_run.provider
    CertificateFactory(provider=provider, learner_name="Zoë Adeyemi")
    CertificateFactory(provider=provider, learner_name="Liam O'Neill")
    CertificateFactory(provider=provider, learner_name="Zack Adams")
    user = UserFactory(organisation=provider.organisation, roles=[Role.PROVIDER_SUPER_USER])
    return user, zoe, oneill


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("zoe adeyemi", "Adeyemi"),
        ("ZOË", "Adeyemi"),
        ("adeyemi zoe", "Adeyemi"),
        ("oneill", "O'Neill"),
        ("O'Neill", "O'Neill"),
        ("o neill", "O'Neill"),
        ("liam o\u2019neill", "O'Neill"),
    ],
)
def test_r_lrn_2_learners_registrations_and_certificates_find_the_same_person(
    people, typed, expected
):
    user, _, _ = people
    learners = learners_search(user=user, search=typed)
    registrations = registrations_for_list(user=user, search=typed)
    certificates = certificates_list(user=user, search=typed)
    assert [learner.family_name for learner in learners] == [expected]
    assert [r.learner.family_name for r in registrations] == [expected]
    assert [c.learner_name.split(" ", 1)[1] for c in certificates] == [expected]


def test_registrations_are_still_found_by_uln_and_registration_number(people):
    user, zoe, _ = people
    assert list(registrations_for_list(user=user, search=zoe.learner.uln)) == [zoe]
    assert list(registrations_for_list(user=user, search="ab 12345")) == [zoe]


def test_punctuation_alone_finds_nobody(people):
    user, _, _ = people
    assert not registrations_for_list(user=user, search="'").exists()
    assert not certificates_list(user=user, search="--").exists()


def test_the_search_is_one_query_that_can_use_the_trigram_indexes(people):
    user = AOStaffFactory(roles=[Role.AO_SUPER_USER, Role.CERTIFICATION_OFFICER])
    LearnerFactory.create_batch(5)
    with CaptureQueriesContext(connection) as queries:
        assert len(list(learners_search(user=user, search="zoe adeyemi"))) == 1
    assert len(queries) == 1
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off")
        sql, params = certificates_list(user=user, search="zoe").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        sql, params = learners_search(user=user, search="zoe").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan += "\n".join(row[0] for row in cursor.fetchall())
    assert "certificates_certificate_name_folded_trgm" in plan
    assert "learners_learner_name_folded_trgm" in plan
