"""The Celery application: Redis as broker, tasks discovered in every app."""

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awards_portal.settings.dev")

app = Celery("awards_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# For tasks that talk to an outside service (the LRS, SMTP): the message is acknowledged only
# after the task finishes, so a worker that dies mid-call leaves it to be redelivered, and
# transient faults are retried with back-off. Such tasks must be idempotent (they keep a job row).
OUTSIDE_SERVICE_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (ConnectionError, TimeoutError, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}
