"""The Celery application: Redis as broker, tasks discovered in every app."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awards_portal.settings.dev")

app = Celery("awards_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _heartbeat_start(sender: Any = None, **kwargs: Any) -> None:
    from .worker_heartbeat import heartbeat_start

    heartbeat_start(sender, **kwargs)


def _heartbeat_stop(sender: Any = None, **kwargs: Any) -> None:
    from .worker_heartbeat import heartbeat_stop

    heartbeat_stop(sender, **kwargs)


# Each worker writes a heartbeat to Redis that /healthz reads (awards_portal/worker_heartbeat.py).
worker_ready.connect(_heartbeat_start, weak=False)
worker_shutdown.connect(_heartbeat_stop, weak=False)

# For tasks that talk to an outside service (the LRS, SMTP): the message is acknowledged only
# after the task finishes, so a worker that dies mid-call leaves it to be redelivered, and
# transient faults are retried with back-off. Such tasks must be idempotent (they keep a job row).
OUTSIDE_SERVICE_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (ConnectionError, TimeoutError, OSError),
    "retry_backoff": 5,
    # Below the broker's visibility timeout (480 s): a retry waiting longer would be handed to a
    # second worker as well (decision 0086).
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}
