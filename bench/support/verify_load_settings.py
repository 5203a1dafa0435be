"""Production settings for bench/verify_load.py: everything as deployed, except what the bench
needs to measure the pages rather than the throttle's refusals."""

from awards_portal.settings.production import *  # noqa: F403
from awards_portal.settings.production import CACHES

# One client address sends every request, so the per-address and per-number limits are raised
# far above the load; the throttle still counts every request in Redis, as in production.
CERTIFICATE_CHECK_LIMIT_PER_ADDRESS = (10**9, 60)
CERTIFICATE_CHECK_LIMIT_PER_NUMBER = (10**9, 60)
CERTIFICATE_CHECK_LIMIT_PER_NUMBER_TOTAL = (10**9, 60)
CERTIFICATES_BENCH_TRIVIAL_VIEW = True
CACHES["default"]["KEY_PREFIX"] = "verify-load-bench"
