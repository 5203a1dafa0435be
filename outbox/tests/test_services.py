"""The outbox: work recorded with its change, queued after commit, sent by beat if the broker was
down, and sent once (decision 0085)."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from accounts.emails import email_send
from outbox.models import OutboxMessage
from outbox.services import outbox_flush, outbox_message_send
from tests.faults import broker_unreachable

pytestmark = pytest.mark.django_db

TO = ["centre@college.example"]
TEMPLATE = "accounts/email/locked"
CONTEXT = {"user": {"given_name": "Sam", "username": "sam"}, "reset_link": "https://portal/x"}


def _email_in_a_transaction() -> None:
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        email_send(to=TO, template=TEMPLATE, context=CONTEXT)


def _age_waiting_messages(seconds: int = 60) -> None:
    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=seconds))


def test_an_email_queued_while_the_broker_is_up_is_sent_once_and_marked_sent():
    _email_in_a_transaction()

    message = OutboxMessage.objects.get()
    assert message.sent_at is not None
    assert len(mail.outbox) == 1


def test_an_email_queued_while_the_broker_is_down_waits_without_raising():
    with broker_unreachable():
        _email_in_a_transaction()

    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    assert "6390" in message.last_error
    assert mail.outbox == []


def test_beat_sends_a_waiting_email_once_the_broker_is_back_and_only_once():
    with broker_unreachable():
        _email_in_a_transaction()
    _age_waiting_messages()

    first = outbox_flush()
    second = outbox_flush()

    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == TO


def test_beat_keeps_a_message_waiting_while_the_broker_is_still_down():
    with broker_unreachable():
        _email_in_a_transaction()
        _age_waiting_messages()
        sent = outbox_flush()

    assert sent == 0
    assert OutboxMessage.objects.get().sent_at is None


def test_beat_leaves_a_fresh_message_to_the_request_that_wrote_it(settings):
    settings.OUTBOX_SEND_AFTER_SECONDS = 30
    with broker_unreachable():
        _email_in_a_transaction()

    assert outbox_flush() == 0
    assert mail.outbox == []


def test_a_message_another_sender_is_handing_over_is_not_sent_twice():
    with broker_unreachable():
        _email_in_a_transaction()
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.update(claimed_at=timezone.now())

    assert outbox_message_send(message_id=message.pk) is False
    assert mail.outbox == []


def test_a_claim_left_by_a_sender_that_died_is_taken_over_after_five_minutes():
    with broker_unreachable():
        _email_in_a_transaction()
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.update(claimed_at=timezone.now() - datetime.timedelta(minutes=6))

    assert outbox_message_send(message_id=message.pk) is True
    assert len(mail.outbox) == 1


def test_nothing_is_queued_when_the_change_rolls_back():
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        email_send(to=TO, template=TEMPLATE, context=CONTEXT)
        raise RuntimeError("the change failed")

    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_the_beat_schedule_flushes_the_outbox(settings):
    from awards_portal.celery import app

    app.loader.import_default_modules()  # as a worker does on start
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "outbox.flush" in names
    assert "outbox.flush" in app.tasks
