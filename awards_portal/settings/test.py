"""Settings for pytest: the real PostgreSQL and Redis, emails kept in memory."""

from .base import *
from .base import BASE_DIR, DATABASES, env

DEBUG = False
SECRET_KEY = "test-only-insecure-key"  # noqa: S105
# Kept in memory; a worker process started by a fault test writes files the test can read.
EMAIL_BACKEND = env.str(
    "TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = env.str("TEST_EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "test-mail"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Two test runs on one machine need their own databases (TEST_DATABASE_NAME tells them apart).
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_awards_portal")}
DATABASES["default"]["CONN_MAX_AGE"] = 0
REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = env.str("TEST_CACHE_PREFIX", default="awards-test")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = env.path("TEST_MEDIA_ROOT", default=str(BASE_DIR / "var" / "test-media"))
# Serve static files straight from the source folders, so browser tests need no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tests reach the sandpit in-process ("wsgi://"); a real worker test points these at a live server.
LRS_SANDPIT_ENABLED = True
LRS_ENDPOINT_LEARNER = env.str(
    "LRS_ENDPOINT_LEARNER", default="wsgi://testserver/lrs-sandpit/LearnerService.svc"
)
LRS_ENDPOINT_EXTERNAL = env.str(
    "LRS_ENDPOINT_EXTERNAL", default="wsgi://testserver/lrs-sandpit/ExternalService.svc"
)
LRS_ENDPOINT_R9 = env.str(
    "LRS_ENDPOINT_R9", default="wsgi://testserver/lrs-sandpit/LearnerServiceR9.svc"
)
LRS_ORGANISATION_REF = "SANDPIT-AO"
LRS_UKPRN = "10099999"
LRS_USERNAME = "sandpit-user"
LRS_PASSWORD = "sandpit-password"  # noqa: S105
# A batch is ready at the first poll, and retries do not sleep (tests that need either set them).
LRS_SANDPIT_BATCH_DELAY_SECONDS = 0.0
LRS_RETRY_BACKOFF_SECONDS = 0.0
