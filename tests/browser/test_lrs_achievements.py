"""LRS achievements in the browser (R-LRS-1 to R-LRS-9, R-RES-3): a batch comes back with two
records rejected; the QCF user fixes them, resubmits just those, and the deadline board empties."""

import datetime

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from learners.tests.factories import LearnerFactory
from lrs_sandpit.achievement_models import RegisteredAim
from lrs_sync.achievement_models import Achievement, AchievementState
from lrs_sync.tests.conftest import make_achievement, sandpit  # noqa: F401 - fixtures
from qualifications.tests.factories import UnitFactory

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def test_a_batch_with_two_rejections_is_fixed_and_resubmitted_and_the_deadline_board_empties(
    page: Page,
    make_achievement,  # noqa: F811
    sandpit,  # noqa: F811
):
    call_command("seed_demo")
    # The demo's own certificated learners have records too; this story is about seven others.
    Achievement.objects.all().delete()
    today = datetime.date.today()
    awarded = today - datetime.timedelta(days=7)
    records = []
    for index in range(7):
        learner = LearnerFactory()
        unit = UnitFactory()
        sandpit.register(learner)
        sandpit.aims(unit)
        if index < 2:
            # The LRS's register says these units became operational later than the catalogue
            # does: the LRS rejects the award date (DAT001).
            RegisteredAim.objects.filter(reference=unit.reference).update(
                operational_start_date=awarded - datetime.timedelta(days=3)
            )
            records.append(
                make_achievement(learner, aim=unit, award_date=awarded - datetime.timedelta(days=5))
            )
        else:
            records.append(make_achievement(learner, aim=unit, award_date=awarded))
    rejected_units = [records[0].aim_reference, records[1].aim_reference]
    sign_in_as(page, "grace.lin")

    _menu(page, "LRS deadlines")
    board = page.get_by_role(
        "table", name="Achievements not yet on the learner's record, most urgent first"
    )
    expect(board.get_by_role("row")).to_have_count(8)
    for record in records:
        expect(board).to_contain_text(record.uln)

    _menu(page, "Achievement batches")
    page.get_by_role("button", name="Build and send the ready records now").click()
    expect(page.get_by_role("status").first).to_contain_text("1 batch built with 7 records")
    page.get_by_role("table", name="Achievement batches, newest first").get_by_role(
        "link"
    ).first.click()
    expect(page.get_by_role("heading", name="Rejected records")).to_be_visible()
    table = page.get_by_role("table", name="Records the LRS rejected, with what to fix")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table).to_contain_text("The award date breaks the LRS's rules.")
    assert_accessible(page)
    batch_url = page.url

    for reference in rejected_units:
        page.goto(batch_url)
        page.get_by_role("link", name=f"Fix the result for {reference}").click()
        expect(page.get_by_role("heading", name=f"{reference} for", exact=False)).to_be_visible()
        page.get_by_label("Award date").fill(awarded.strftime("%d/%m/%Y"))
        page.get_by_role("button", name="Update").click()
        expect(page.get_by_role("status").first).to_contain_text("Achievement updated")
        assert_accessible(page)

    page.goto(batch_url)
    page.get_by_role("button", name="Resubmit the fixed records").click()
    expect(page.get_by_role("status").first).to_contain_text("built with 2 fixed records")
    expect(page.get_by_text("Processed", exact=False).first).to_be_visible()
    expect(page.get_by_text("Resubmits", exact=False)).to_be_visible()

    assert set(Achievement.objects.values_list("state", flat=True)) == {AchievementState.ACCEPTED}
    _menu(page, "LRS deadlines")
    expect(page.get_by_text("Nothing is waiting to reach the LRS.")).to_be_visible()
    assert_accessible(page)
