"""The beat tasks call the services and are idempotent: each email goes once (R-CRT-5)."""

import datetime

import time_machine
from django.core import mail

from results import services, tasks
from results.models import Consignment


def test_r_crt_5_beat_tasks_send_the_overdue_email_once(season, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime.date(2026, 3, 3), tick=False):
        season.to_certificated(award_date=datetime.date(2026, 3, 2))
        consignment = services.consignment_create(
            provider=season.course_run.provider,
            course_runs=[season.course_run],
            acting_user=season.officer,
        )
        services.consignment_dispatch(
            consignment=consignment,
            carrier=Consignment.Carrier.ROYAL_MAIL,
            tracking_reference="RM1",
            dispatched_on=datetime.date(2026, 3, 3),
            acting_user=season.officer,
        )

    with (
        time_machine.travel(datetime.date(2026, 3, 20), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders = [tasks.receipt_reminders_send_task(), tasks.receipt_reminders_send_task()]
        overdue = [tasks.receipt_overdue_send_task(), tasks.receipt_overdue_send_task()]

    assert (reminders, overdue) == ([1, 0], [1, 0])
    assert sorted(m.subject.split(":")[0] for m in mail.outbox if "receipt" in m.subject) == [
        "Overdue",
        "Reminder",
    ]


def test_r_crt_5_the_beat_schedule_runs_the_receipt_reminder_and_overdue_tasks(settings):
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert names >= {tasks.receipt_reminders_send_task.name, tasks.receipt_overdue_send_task.name}
