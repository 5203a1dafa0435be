"""The Celery beat entries for results; settings merge them into CELERY_BEAT_SCHEDULE."""

from celery.schedules import crontab

RESULTS_BEAT_SCHEDULE: dict[str, dict] = {
    "results-receipt-reminders": {
        "task": "results.receipt_reminders_send",
        "schedule": crontab(hour=7, minute=0),
    },
    "results-receipt-overdue": {
        "task": "results.receipt_overdue_send",
        "schedule": crontab(hour=7, minute=15),
    },
}
