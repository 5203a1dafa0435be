"""Project-wide pytest fixtures: a clean Redis test database for every test."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles and cached values must not leak from one test into the next."""
    cache.clear()
    yield
