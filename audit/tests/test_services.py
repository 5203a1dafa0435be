import datetime

import pytest

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from audit.services import audit_record, changed_fields

pytestmark = pytest.mark.django_db


def test_r_acc_7_an_audit_row_records_who_what_and_before_after():
    actor = UserFactory()
    event = audit_record(
        actor=actor,
        action="learner.update",
        object_type="learners.learner",
        object_id="42",
        before={"family_name": "Smith"},
        after={"family_name": "Smyth"},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_username == actor.username
    assert stored.organisation_id == actor.organisation_id
    assert stored.before == {"family_name": "Smith"}
    assert stored.after == {"family_name": "Smyth"}


def test_r_acc_7_the_client_address_is_recorded_from_the_request(client):
    user = UserFactory()
    client.force_login(user)
    from audit.context import _client_ip

    token = _client_ip.set("203.0.113.9")
    try:
        event = audit_record(actor=user, action="test.action")
    finally:
        _client_ip.reset(token)
    assert event.ip_address == "203.0.113.9"


def test_changed_fields_keeps_only_what_differs_and_serialises_dates():
    before, after = changed_fields(
        {"a": 1, "b": "x"}, {"a": 1, "b": "y", "c": datetime.date(2026, 1, 2)}
    )
    assert before == {"b": "x", "c": None}
    assert after == {"b": "y", "c": datetime.date(2026, 1, 2)}


def test_r_acc_7_an_audit_row_is_written_even_when_the_request_carried_nul_characters():
    event = audit_record(
        actor=UserFactory(), action="audit.exported", detail={"filters": {"q": "a\x00b"}}
    )
    assert AuditEvent.objects.get(pk=event.pk).detail == {"filters": {"q": "ab"}}
