"""The sandpit register seeded to match the demo learners (R-LRN-7 demo data)."""

import pytest
from django.core.management import call_command

from learners.models import Learner
from lrs_sandpit.demo import seed_register
from lrs_sandpit.models import RegisteredLearner
from lrs_sync.client import lrs_client
from lrs_sync.verification_types import LearnerToVerify


@pytest.mark.django_db
def test_r_lrn_7_demo_learners_verify_with_every_kind_of_answer():
    call_command("seed_demo", verbosity=0)
    learners = list(
        Learner.objects.exclude(uln="").order_by("provider__centre_number", "uln").distinct()
    )
    client = lrs_client()

    codes = [
        client.verify_learner(
            LearnerToVerify(
                uln=learner.uln,
                given_name=learner.given_name,
                family_name=learner.family_name,
                date_of_birth=learner.date_of_birth,
                gender=learner.gender,
            )
        )
        for learner in learners
    ]

    assert codes[1].response_code == "WSVRC005" and codes[1].failure_flags == ("VRF7",)
    assert codes[2].response_code == "WSVRC002" and codes[2].lrs_uln != learners[2].uln
    assert codes[3].response_code == "WSVRC006"
    assert [answer.response_code for answer in codes].count("WSVRC003") == 1
    assert [answer.response_code for answer in codes].count("WSVRC001") == len(learners) - 4


@pytest.mark.django_db
def test_seeding_twice_adds_nothing_the_second_time():
    call_command("seed_demo", verbosity=0)
    held = RegisteredLearner.objects.count()

    assert seed_register() == []
    assert RegisteredLearner.objects.count() == held


@pytest.mark.django_db
def test_the_seed_command_reports_what_it_added():
    from io import StringIO

    out = StringIO()
    call_command("seed_lrs_sandpit", stdout=out)

    assert "LRS sandpit register: 7 learners added." in out.getvalue()
    assert RegisteredLearner.objects.filter(master__isnull=False).count() == 1
