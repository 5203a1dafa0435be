import json

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_FILE, DEMO_USERS
from accounts.models import User
from audit.models import AuditEvent
from providers.models import Provider

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_demo_data_once_and_describes_it():
    call_command("seed_demo")
    users, providers, events = (
        User.objects.count(),
        Provider.objects.count(),
        AuditEvent.objects.count(),
    )

    call_command("seed_demo")

    assert (User.objects.count(), Provider.objects.count()) == (users, providers)
    assert AuditEvent.objects.count() == events
    demo = json.loads(DEMO_FILE.read_text())
    assert {a["username"] for a in demo["accounts"]} == {u.username for u in DEMO_USERS}
    assert len(demo["providers"]) == 3


def test_every_demo_account_can_sign_in_with_the_listed_password(client):
    call_command("seed_demo")
    demo = json.loads(DEMO_FILE.read_text())
    for account in demo["accounts"]:
        assert client.login(username=account["username"], password=account["password"]), account
        client.logout()
