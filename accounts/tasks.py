"""Background work for accounts: delivering emails."""

from celery import shared_task

from awards_portal.celery import OUTSIDE_SERVICE_TASK_OPTIONS

from .emails import email_deliver


@shared_task(name="accounts.email_deliver", **OUTSIDE_SERVICE_TASK_OPTIONS)
def email_deliver_task(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    attachments: list[list[str]] | None = None,
) -> None:
    email_deliver(to=to, subject=subject, text=text, html=html, attachments=attachments)
