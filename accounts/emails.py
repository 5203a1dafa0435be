"""The portal's emails: rendered from text and HTML templates, sent by Celery after commit."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def email_render(*, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """`template` names `<template>_subject.txt`, `<template>.txt` and `<template>.html`."""
    full_context = {
        "portal_url": settings.PORTAL_BASE_URL,
        "ao_name": settings.AO_NAME,
        **context,
    }
    subject = render_to_string(f"{template}_subject.txt", full_context).strip().replace("\n", " ")
    text = render_to_string(f"{template}.txt", full_context)
    html = render_to_string(f"{template}.html", full_context)
    return subject, text, html


# An attachment: (file name, text content, MIME type). Text, so it travels in a Celery message.
Attachment = tuple[str, str, str]


def email_deliver(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    attachments: list[Attachment] | list[list[str]] | None = None,
) -> None:
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send()


def email_send(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any],
    attachments: list[Attachment] | None = None,
) -> None:
    """Render now (so the email says what was true at this moment), send once the change commits.

    `attachments` are (file name, text, MIME type), e.g. a CSV report: text, so they travel in the
    task's message. The email is recorded in the outbox with the change, so a broker outage delays
    it and never loses it, and no request waits on the mail server (decision 0085).
    """
    from outbox.services import outbox_queue

    from .tasks import email_deliver_task

    subject, text, html = email_render(template=template, context=context)
    files = [list(attachment) for attachment in attachments or []]
    outbox_queue(
        task=email_deliver_task,
        kwargs={"to": to, "subject": subject, "text": text, "html": html, "attachments": files},
    )
