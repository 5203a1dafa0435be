"""Event data challenges in the browser (R-EDC-1 to R-EDC-4): three challenges raised at the LRS
sandpit and fetched, bulk-set to In progress; one upheld with a withdraw, one upheld with a move to
the right ULN, one rejected with a comment; the demo's grade challenge upheld by correcting the
grade, which replaces the certificate; the next batch carries the withdraw and the move."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.test import TestCase
from playwright.sync_api import Page, expect

from certificates.models import Certificate
from learners.models import Learner
from learners.tests.factories import LearnerFactory
from lrs_sandpit.achievement_models import RegisteredAim
from lrs_sandpit.challenge_models import RaisedDataChallenge
from lrs_sandpit.models import RegisteredLearner
from lrs_sync.achievement_batches import achievement_batches_build
from lrs_sync.achievement_models import Achievement, LrsAction
from lrs_sync.achievements import achievement_create
from lrs_sync.challenge_models import EventDataChallenge
from lrs_sync.tests.challenge_fixtures import held_at_lrs
from lrs_sync.tests.conftest import verify
from qualifications.tests.factories import UnitFactory

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AWARDED = datetime.date(2026, 3, 2)


def _menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def _achievement(learner: Learner, unit, award_date: datetime.date = AWARDED) -> Achievement:
    return achievement_create(
        learner=learner,
        aim_reference=unit.reference,
        award_date=award_date,
        grade="P",
        ukprn=learner.provider.ukprn,
        language_for_assessment="ENG",
        submission_type="Final",
        acting_user=None,
    )


def _raise(page: Page, event: str, kind: str, *, other: str = "", text: str) -> str:
    page.get_by_label("Achievement challenged").select_option(label=event)
    page.get_by_label("What is wrong", exact=True).select_option(label=kind)
    if other:
        page.get_by_label("The other copy (appears more than once only)").select_option(label=other)
    page.get_by_label("Raised by").select_option(label="A learning provider")
    page.get_by_label("Contact name").fill("Helen Carter")
    page.get_by_label("Contact email address").fill("helen.carter@college.example")
    page.get_by_label("What is wrong, in words").fill(text)
    page.get_by_role("button", name="Raise the challenge").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("raised with the awarding organisation")
    return status.inner_text().split("Data challenge ")[1].split(" ")[0]


def _label(achievement: Achievement, held_id: int) -> str:
    return (
        f"{held_id}: ULN {achievement.uln}, {achievement.aim_reference}, awarded "
        f"{achievement.award_date:%d/%m/%Y}, grade {achievement.grade}"
    )


def _open(page: Page, reference: str) -> None:
    _menu(page, "Data challenges")
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", name=f"Event data challenge {reference}")).to_be_visible()


def _resolve(page: Page, outcome: str, comment: str) -> None:
    page.get_by_label(outcome).check()
    page.get_by_label("Additional comments").fill(comment)
    page.get_by_role("button", name="Resolve the challenge").click()


def test_r_edc_three_challenges_raised_fetched_worked_and_the_next_batch_carries_the_changes(
    page: Page, settings
):
    call_command("seed_demo")
    settings.LRS_SANDPIT_WAITING_SECONDS = 0
    settings.LRS_SANDPIT_PROCESSING_SECONDS = 0
    settings.LRS_POLL_FIRST_SECONDS = 0
    unit, other_unit = UnitFactory(), UnitFactory()
    learner, wrong_learner, right_learner = LearnerFactory.create_batch(3)
    verify(learner, wrong_learner, right_learner)
    kept = _achievement(learner, unit)
    copy = _achievement(learner, unit, AWARDED - datetime.timedelta(days=7))
    disputed = _achievement(learner, other_unit)
    misplaced = _achievement(wrong_learner, other_unit)
    held = held_at_lrs(kept, copy, disputed, misplaced)
    for person in (learner, wrong_learner, right_learner):
        RegisteredLearner.objects.create(
            uln=person.uln,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            gender=person.gender,
        )
    for aim in (unit, other_unit):
        RegisteredAim.objects.create(
            reference=aim.reference, operational_start_date=aim.operational_start_date
        )
    sign_in_as(page, "maya.singh")

    # R-EDC-1: raised at the sandpit, as a provider would at the LRS.
    page.goto("/lrs-sandpit/data-challenges/")
    expect(
        page.get_by_role("heading", name="Event data challenges at the LRS sandpit")
    ).to_be_visible()
    assert_accessible(page)
    duplicate_ref = _raise(
        page,
        _label(kept, held[0].pk),
        "Appears more than once",
        other=_label(copy, held[1].pk),
        text="The unit shows twice.",
    )
    wrong_uln_ref = _raise(
        page,
        _label(misplaced, held[3].pk),
        "Does not belong to this learner: the wrong ULN",
        text="Not this learner's unit.",
    )
    disputed_ref = _raise(
        page,
        _label(disputed, held[2].pk),
        "Does not belong to this learner: disputed entirely",
        text="The learner says they never took it.",
    )

    # Fetched, and fetched again: stored once.
    _menu(page, "Data challenges")
    expect(page.get_by_role("heading", name="Event data challenges")).to_be_visible()
    page.get_by_role("button", name="Fetch new challenges now").click()
    expect(page.get_by_role("status")).to_contain_text("3 new")
    page.get_by_role("button", name="Fetch new challenges now").click()
    expect(page.get_by_role("status")).to_contain_text(", 0 new")
    assert (
        EventDataChallenge.objects.filter(
            reference__in=[duplicate_ref, wrong_uln_ref, disputed_ref]
        ).count()
        == 3
    )
    assert_accessible(page)

    # R-EDC-2: three ticked, set to In progress at once.
    for reference in (duplicate_ref, wrong_uln_ref, disputed_ref):
        page.get_by_label(f"Select {reference}").check()
    page.get_by_role("button", name="Set status to 'In progress'").click()
    expect(page.get_by_role("status")).to_contain_text("3 challenges set to In progress.")

    # R-EDC-3: the duplicate is withdrawn from the challenge, then it is upheld.
    _open(page, duplicate_ref)
    expect(page.locator("#challenge-status")).to_have_text("In progress")
    expect(page.get_by_text("helen.carter@college.example")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("The duplicate to withdraw").select_option(
        label=f"{copy.aim_reference} for ULN {copy.uln} awarded {copy.award_date:%d/%m/%Y} "
        "(Accepted by the LRS)"
    )
    page.get_by_role("button", name="Withdraw the duplicate").click()
    expect(page.get_by_role("status")).to_contain_text("The duplicate is withdrawn")
    _resolve(page, "Resolved - Upheld", "Withdrew the copy uploaded a week early in error.")
    expect(page.locator("#challenge-status")).to_have_text("Resolved - Upheld")
    history = page.locator("ol.history")
    expect(history).to_contain_text("Set to In progress (several at once).")
    expect(history).to_contain_text("Withdrew the duplicate")
    expect(history).to_contain_text("Resolved - Upheld: Withdrew the copy")
    assert_accessible(page)

    # R-EDC-3: moved to the right ULN (withdraw, then create), then upheld.
    _open(page, wrong_uln_ref)
    page.get_by_label("The right ULN").fill(right_learner.uln)
    page.get_by_role("button", name="Withdraw and create under the right ULN").click()
    expect(page.get_by_role("status")).to_contain_text(f"Moved to ULN {right_learner.uln}")
    _resolve(page, "Resolved - Upheld", "Moved to the learner's own ULN.")
    expect(page.locator("#challenge-status")).to_have_text("Resolved - Upheld")

    # R-EDC-2: rejected; without a comment first, which is refused in words.
    _open(page, disputed_ref)
    _resolve(page, "Resolved - Rejected", "")
    expect(page.get_by_role("alert")).to_contain_text(
        "Additional comments: Enter a comment saying what was done"
    )
    assert_accessible(page)
    _resolve(page, "Resolved - Rejected", "Our records show the learner was assessed on 2 March.")
    expect(page.locator("#challenge-status")).to_have_text("Resolved - Rejected")

    # R-EDC-3, R-CRT-6 (decision 0161): the demo's grade challenge is about a unit made at
    # certification; the resolver corrects it and the certificate is replaced with no fee.
    graded = EventDataChallenge.objects.get(lrs_type="WrongGrade")
    old_certificates = set(
        Certificate.objects.filter(status="valid").values_list("number", flat=True)
    )
    _open(page, graded.reference)
    page.get_by_role("button", name="Process (set to In progress)").click()
    outlook = page.locator("#grade-outlook")
    expect(outlook).to_contain_text("with no fee")
    expect(outlook).to_contain_text("without being a certification officer")
    assert_accessible(page)
    page.get_by_label("Corrected grade").fill(graded.supplied_grade)
    page.get_by_role("button", name="Correct the grade").click()
    expect(page.get_by_role("status")).to_contain_text("with no fee (Grade corrected)")
    replacement = Certificate.objects.get(
        replaces__number__in=old_certificates, replacement_fee_pence=0
    )
    assert replacement.replacement_reason == (
        f"Grade corrected: event data challenge {graded.reference} upheld"
    )
    _resolve(page, "Resolved - Upheld", "Grade corrected; the certificate was replaced.")
    expect(page.locator("#challenge-status")).to_have_text("Resolved - Upheld")

    # R-EDC-4: the LRS heard each resolution.
    resolutions = dict(
        RaisedDataChallenge.objects.filter(
            reference__in=[duplicate_ref, wrong_uln_ref, disputed_ref]
        ).values_list("reference", "status")
    )
    assert resolutions == {
        duplicate_ref: "Resolved - Upheld",
        wrong_uln_ref: "Resolved - Upheld",
        disputed_ref: "Resolved - Rejected",
    }

    # The next batch carries the withdraw and the move (withdraw + create).
    with TestCase.captureOnCommitCallbacks(execute=True):
        batches = achievement_batches_build(submission_type="Final", acting_user=None)
    carried = {
        (
            record.achievement.uln,
            record.achievement.aim_reference,
            record.achievement.award_date,
            record.action,
        )
        for batch in batches
        for record in batch.records.select_related("achievement")
    }
    assert (copy.uln, copy.aim_reference, copy.award_date, LrsAction.WITHDRAW) in carried
    assert (misplaced.uln, misplaced.aim_reference, AWARDED, LrsAction.WITHDRAW) in carried
    assert (right_learner.uln, misplaced.aim_reference, AWARDED, LrsAction.CREATE) in carried
    assert not any(row[:3] == (kept.uln, kept.aim_reference, AWARDED) for row in carried)
