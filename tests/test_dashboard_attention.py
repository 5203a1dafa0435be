"""The dashboard says what needs each user's attention (issue 14 item 4): counts from the list
pages' own selectors, links every role may open, and "Nothing needs your attention" when true.
R-CRT-5 (receipts due, with the deadline), R-RES-1 (queries, verification, certification),
R-CRT-4 (dispatch), R-ACC-5 (a user sees only what their roles allow)."""

import datetime
import re

import factory
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.demo import DEMO_USERS
from accounts.models import User
from accounts.roles import Role
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from awards_portal.attention import attention_for
from registrations.models import RegistrationStatus
from registrations.tests.factories import CourseRunFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

ATTENTION = re.compile(r'<li data-attention="([a-z_]+)"><a href="([^"]+)">([^<]+)</a>')


def _attention_links(client) -> dict[str, tuple[str, str]]:
    page = client.get(reverse("dashboard")).content.decode()
    return {key: (url.replace("&amp;", "&"), text) for key, url, text in ATTENTION.findall(page)}


def test_r_acc_5_every_demo_role_sees_what_needs_attention_and_may_open_each_link(client):
    call_command("seed_demo")
    shown = {}
    for spec in DEMO_USERS:
        user = User.objects.get(username=spec.username)
        client.logout()
        sign_in(client, user)
        links = _attention_links(client)
        shown[spec.username] = set(links)
        for key, (url, _) in links.items():
            assert client.get(url).status_code == 200, (spec.username, key, url)
    # R-RES-1: the verifier's queue, the certification officer's queue and dispatch (R-CRT-4)
    assert "verification" in shown["priya.shah"]
    assert {"certification", "dispatch"} <= shown["grace.lin"]
    # The centre: its queried course run and its drafts due soon; Hillcrest's overdue receipt.
    assert {"queries", "results_due"} <= shown["sam.patel"]
    assert "receipts" in shown["owen.hughes"]
    assert shown["tom.reyes"] == set()


def test_r_crt_5_receipts_due_say_the_deadline(client):
    call_command("seed_demo")
    owen = User.objects.get(username="owen.hughes")
    sign_in(client, owen)
    page = client.get(reverse("dashboard")).content.decode()
    assert "to confirm received" in page
    assert re.search(r"The first by \d\d/\d\d/\d{4} \(overdue by \d+ working days?\)", page)


def test_nothing_needs_attention_says_so(client):
    user = UserFactory(roles=[Role.PROVIDER_SUPER_USER])
    sign_in(client, user)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Nothing needs your attention." in page
    assert attention_for(user=user) == []


def _due_run(provider, today):
    run = CourseRunFactory(
        provider=provider, planned_achievement_date=today + datetime.timedelta(days=10)
    )
    RegistrationFactory(
        course_run=run,
        status=RegistrationStatus.REGISTERED,
        registration_number=factory.Sequence(lambda n: f"DU{n:05d}"),
    )
    return run


def test_course_runs_due_soon_with_draft_results_are_counted_and_listed_alike(client):
    today = datetime.date.today()
    due = _due_run(CourseRunFactory().provider, today)
    later = CourseRunFactory(
        provider=due.provider, planned_achievement_date=today + datetime.timedelta(days=90)
    )
    RegistrationFactory(
        course_run=later, status=RegistrationStatus.REGISTERED, registration_number="LA00001"
    )
    user = UserFactory(organisation=due.provider.organisation, roles=[Role.PROVIDER_SUPER_USER])
    sign_in(client, user)
    links = _attention_links(client)
    url, text = links["results_due"]
    assert text.startswith("1 course run due soon")
    listed = client.get(url).content.decode()
    assert due.programme_name in listed
    assert later.programme_name not in listed


def test_the_dashboard_makes_the_same_number_of_queries_however_much_needs_attention(client):
    today = datetime.date.today()
    first = _due_run(CourseRunFactory().provider, today)
    user = UserFactory(organisation=first.provider.organisation, roles=[Role.PROVIDER_SUPER_USER])
    sign_in(client, user)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboard"))
    for _ in range(6):
        _due_run(first.provider, today)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("dashboard")).content.decode()
    assert "7 course runs due soon" in page
    assert len(many) == len(few)


def test_a_failed_render_batch_is_counted_for_its_centre_only_and_its_link_lists_it(client):
    from certificates.models import RenderJob
    from certificates.tests.factories import RenderJobFactory
    from providers.tests.factories import ProviderFactory

    provider = ProviderFactory()
    user = UserFactory(organisation=provider.organisation, roles=[Role.PROVIDER_SUPER_USER])
    mine = RenderJobFactory(provider=provider, status=RenderJob.Status.FAILED, created_by=user)
    RenderJobFactory(status=RenderJob.Status.FAILED, created_by=user)  # another centre's
    RenderJobFactory(provider=provider, status=RenderJob.Status.DONE, created_by=user)
    sign_in(client, user)

    url, text = _attention_links(client)["render_jobs"]

    assert text.startswith("1 certificate batch failed to render")
    listed = client.get(url)
    assert listed.status_code == 200
    assert reverse("certificates:job_detail", args=[mine.pk]) in listed.content.decode()


def test_a_registration_import_that_failed_this_week_is_counted_and_linked(client):
    from providers.tests.factories import ProviderFactory
    from registrations.models import ImportJob

    provider = ProviderFactory()
    user = UserFactory(organisation=provider.organisation, roles=[Role.MANAGE_REGISTRATION])
    ImportJob.objects.create(
        provider=provider,
        created_by=user,
        file_name="cohort.csv",
        content=b"",
        status=ImportJob.Status.FAILED,
    )
    sign_in(client, user)

    url, text = _attention_links(client)["imports"]

    assert text.startswith("1 registration import")
    assert client.get(url).status_code == 200


def test_the_failed_render_batches_list_keeps_its_filter_on_the_next_page(client):
    from certificates.models import RenderJob
    from certificates.tests.factories import RenderJobFactory
    from providers.tests.factories import ProviderFactory

    provider = ProviderFactory()
    user = UserFactory(organisation=provider.organisation, roles=[Role.PROVIDER_SUPER_USER])
    RenderJobFactory.create_batch(
        51, provider=provider, status=RenderJob.Status.FAILED, created_by=user
    )
    sign_in(client, user)

    page = client.get(reverse("certificates:job_list") + "?status=failed").content.decode()

    assert "?status=failed&amp;page=2" in page
