"""No menu item, nor any link within two steps of it, leads to a 403, for every demo account and
every single role (R-ACC-5: least privilege, a user sees only what their roles allow); the menu
is empty until the second factor is entered (R-ACC-6)."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_USERS
from accounts.models import Organisation, User
from accounts.roles import AO_ROLES, PROVIDER_ROLES
from accounts.tests.factories import TEST_PASSWORD, UserFactory
from accounts.tests.helpers import sign_in

pytestmark = pytest.mark.django_db

MENU = re.compile(r'<nav[^>]*aria-label="Main"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a [^>]*href="(/[^"#]*)"')
# Links that only download or sign out: followed by other tests, not by this walk.
SKIP = re.compile(r"sign-out|export|download|\.csv|\.pdf|\.zip|format=csv")


def _menu_links(page: str) -> list[str]:
    match = MENU.search(page)
    assert match, "the page has no main menu"
    return LINK.findall(match.group(1))


def _people():
    call_command("seed_demo")
    people = [User.objects.get(username=spec.username) for spec in DEMO_USERS]
    ao = Organisation.objects.get(kind=Organisation.Kind.AWARDING_ORGANISATION)
    provider = User.objects.filter(organisation__kind=Organisation.Kind.PROVIDER).first()
    for role in sorted(AO_ROLES):
        people.append(UserFactory(organisation=ao, roles=[role]))
    for role in sorted(PROVIDER_ROLES):
        people.append(UserFactory(organisation=provider.organisation, roles=[role]))
    return people


def _shape(link: str) -> str:
    """One page per URL shape (ids replaced), so the walk stays short but reaches every kind."""
    return re.sub(r"\d+", "N", link.split("?")[0])


def test_r_acc_5_no_menu_item_or_link_two_steps_from_the_menu_answers_403_for_any_role(client):
    refused = []
    followed = 0
    for person in _people():
        client.logout()
        sign_in(client, person)
        dashboard = client.get(reverse("dashboard")).content.decode()
        menu = _menu_links(dashboard)
        assert menu, person.username
        seen = {_shape(url) for url in menu}
        frontier = [(url, "menu") for url in menu]
        for depth in range(3):  # the menu, its pages' links, and their pages' links
            next_frontier = []
            for url, source in frontier:
                page = client.get(url)
                followed += 1
                if page.status_code == 403:
                    refused.append((person.username, person.roles, url, source))
                    continue
                if page.status_code != 200 or depth == 2:
                    continue
                for link in LINK.findall(page.content.decode()):
                    link = link.replace("&amp;", "&")
                    if SKIP.search(link) or _shape(link) in seen:
                        continue
                    seen.add(_shape(link))
                    next_frontier.append((link, f"on {url}"))
            frontier = next_frontier
    assert followed > 300  # the walk reached well beyond the menus themselves
    assert refused == []


def test_r_acc_6_the_menu_shows_nothing_before_the_second_factor_is_entered(client):
    person = UserFactory(roles=["provider_super_user"])
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    client.post(reverse("accounts:login"), {"username": person.username, "password": TEST_PASSWORD})

    page = client.get(reverse("accounts:two_factor_verify")).content.decode()

    assert "Enter" in page
    match = MENU.search(page)
    assert match is None or LINK.findall(match.group(1)) == []
    assert "Users" not in page and "Audit log" not in page
