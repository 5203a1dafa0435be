"""ULN verification in the browser (R-LRN-7, R-LRS-10): an AO user verifies one learner and
reads the answer; a batch user runs a batch of 200 on a real Celery worker and watches its
progress bar move."""

import time

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from learners.models import Learner, VerificationStatus
from learners.tests.factories import LearnerFactory
from lrs_sandpit.models import RegisteredLearner
from lrs_sync.models import VerifyJob
from lrs_sync.tests.conftest import start_worker  # noqa: F401 - a fixture
from providers.tests.factories import ProviderFactory

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def test_r_lrs_10_an_ao_user_verifies_one_learner_and_reads_the_answer(page: Page):
    call_command("seed_demo")
    # The sandpit holds the second demo learner with another date of birth (lrs_sandpit.demo).
    learner = Learner.objects.exclude(uln="").order_by("provider__centre_number", "uln")[1]
    sign_in_as(page, "ben.carter")

    page.goto(f"/learners/{learner.pk}/")
    expect(page.get_by_role("heading", name="ULN verification")).to_be_visible()
    expect(page.get_by_text("Status: Not verified")).to_be_visible()
    page.get_by_role("button", name="Verify with the LRS").click()

    expect(page.get_by_role("status")).to_contain_text("The LRS answered WSVRC005")
    panel = page.get_by_role("region", name="ULN verification")
    expect(panel).to_contain_text("WSVRC005: Learner does not match: the ULN exists")
    expect(panel).to_contain_text("VRF7: The date of birth does not match the LRS's.")
    table = page.get_by_role("table", name="The portal's values and the LRS's, side by side")
    row = table.get_by_role("row").filter(has_text="Date of birth")
    expect(row).to_contain_text(f"{learner.date_of_birth:%d/%m/%Y}")
    expect(row).to_contain_text("Differs")
    expect(panel).to_contain_text("Next step: Check the date of birth with the learner.")
    assert_accessible(page)

    _menu(page, "ULN verification")
    outcome = page.get_by_role("row").filter(has_text=learner.uln)
    expect(outcome).to_contain_text("Does not match (WSVRC005)")
    expect(outcome).to_contain_text("Check the date of birth with the learner.")
    assert_accessible(page)


def test_r_lrs_10_a_batch_of_200_runs_on_a_worker_and_its_progress_bar_moves(
    page: Page,
    live_server,
    start_worker,  # noqa: F811 - the fixture imported above
    settings,
):
    call_command("seed_demo")
    # The sandpit takes a moment over each LRS batch, and the portal sends 50 learners in each,
    # two at a time: the bar moves in steps.
    settings.LRS_SANDPIT_BATCH_DELAY_SECONDS = 1.5
    settings.LRS_VERIFY_CHUNK_SIZE = 50
    provider = ProviderFactory(organisation__name="Batchley Sixth Form")
    learners = LearnerFactory.create_batch(200, provider=provider)
    RegisteredLearner.objects.bulk_create(
        RegisteredLearner(
            uln=learner.uln,
            given_name=learner.given_name,
            family_name=learner.family_name,
            date_of_birth=learner.date_of_birth,
            gender=learner.gender,
        )
        for learner in learners
    )
    start_worker(live_server.url + "/lrs-sandpit/LearnerService.svc")
    sign_in_as(page, "ruth.adeyemi")

    _menu(page, "Verify ULNs")
    expect(page.get_by_role("heading", name="Verify learners' ULNs")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Unverified learners of one provider").check()
    page.get_by_label("Provider", exact=True).select_option(
        label=f"Batchley Sixth Form (centre {provider.centre_number})"
    )
    page.get_by_role("button", name="Start verification").click()

    expect(page.get_by_role("heading", name="Verification batch")).to_be_visible()
    bar = page.locator("#verify-progress-bar")
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        value = int(float(bar.get_attribute("value") or 0))
        if not seen or seen[-1] != value:
            seen.append(value)
        if value == 200:
            break
        time.sleep(0.2)
    assert seen[-1] == 200, seen
    assert any(0 < value < 200 for value in seen), f"the bar jumped straight to the end: {seen}"

    expect(page.get_by_text("Status: Done")).to_be_visible(timeout=15_000)
    assert_accessible(page)
    page.get_by_label("Show").select_option(label="WSVRC001 Exact match (200)")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Download these results as CSV")).to_be_visible()
    job = VerifyJob.objects.get(provider=provider)
    assert job.status == VerifyJob.Status.DONE and job.stored == 200
    assert (
        Learner.objects.filter(
            provider=provider, verification_status=VerificationStatus.VERIFIED
        ).count()
        == 200
    )
