"""Project-wide pytest fixtures, for every app: a clean Redis test database for every test, and
a real Celery worker process (`real_celery_worker`, `real_celery_worker_factory`; see
`tests/celery_worker.py`)."""

import pytest
from django.core.cache import cache

pytest_plugins = ["tests.celery_worker"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles and cached values must not leak from one test into the next."""
    cache.clear()
    yield
