"""Celery tasks for results: thin and idempotent, calling services (each email is sent once)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="results.receipt_reminders_send")
def receipt_reminders_send_task() -> int:
    """Daily: remind providers on the 7th working day after dispatch (R-CRT-5)."""
    return services.receipt_reminders_send()


@shared_task(name="results.receipt_overdue_send")
def receipt_overdue_send_task() -> int:
    """Daily: tell providers their receipt confirmation is overdue after the 10th working day."""
    return services.receipt_overdue_send()


@shared_task(name="results.e_certificates_ready_notify")
def e_certificates_ready_notify_task(consignment_id: int) -> bool:
    return services.e_certificates_ready_notify(consignment_id=consignment_id)
