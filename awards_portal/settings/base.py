"""Settings shared by every environment; what varies between machines comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# How many reverse proxies (load balancer, ingress) stand in front of the portal; each appends the
# address it saw to X-Forwarded-For. 0 means clients connect directly and REMOTE_ADDR is theirs.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Used in emails and in the QR codes printed on certificates, so it must be the public address.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
AO_NAME = env.str("AO_NAME", default="Northgate Awards")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "audit",
    "providers",
    "qualifications",
    "learners",
    "registrations",
    "results",
    "certificates",
    "lrs_sync",
    "lrs_sandpit",
    "outbox",
    "people_search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "awards_portal.urls"
WSGI_APPLICATION = "awards_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/awards_portal"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "awards",
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# Sessions live in the database so sign-in keeps working while Redis is down.
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
# Signed out after 30 minutes without a request (the page warns a few minutes before).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
OTP_TOTP_ISSUER = AO_NAME + " portal"
# R-ACC-2: consecutive failures that lock an account; failures one address may make in the window.
SIGN_IN_LOCKOUT_FAILURES = 5
SIGN_IN_ADDRESS_FAILURE_LIMIT = env.int("SIGN_IN_ADDRESS_FAILURE_LIMIT", default=20)
SIGN_IN_ADDRESS_WINDOW_SECONDS = 15 * 60

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@awards.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis is the broker; results are not needed by the portal (job rows record outcomes).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message taken by a worker that then died returns to the queue after the visibility timeout:
# minutes, not an hour, yet longer than the hard time limit so a running task is never handed to
# a second worker. Every task is acknowledged after it finishes (decision 0086).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=480),
    # Look for such messages every 10 s (kombu's default looks only about every 100 s).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_ALWAYS_EAGER = False
# Publishing must not hang a request while Redis is down: give up quickly; the caller falls back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # R-CRT-5: a reminder on the seventh working day after dispatch, and an overdue notice after
    # the tenth; each task sends each email once, so running daily is safe.
    "results-receipt-reminders": {
        "task": "results.receipt_reminders_send",
        "schedule": crontab(hour=7, minute=0),
    },
    "results-receipt-overdue": {
        "task": "results.receipt_overdue_send",
        "schedule": crontab(hour=7, minute=15),
    },
    # Public certificate checks are buffered in Redis and written to PostgreSQL in bulk (R-CRT-2).
    "certificates-flush-check-records": {
        "task": "certificates.tasks.certificate_checks_flush_task",
        "schedule": 5.0,
    },
    # Re-queue certificate render jobs that stalled (broker down at commit, a worker lost).
    "certificates-resume-render-jobs": {
        "task": "certificates.tasks.render_jobs_resume_task",
        "schedule": env.float("RENDER_JOBS_RESUME_EVERY_SECONDS", default=60.0),
    },
    # Tasks recorded while the broker was down are sent once it is back (decision 0085).
    "outbox-flush": {
        "task": "outbox.flush",
        "schedule": env.float("OUTBOX_FLUSH_EVERY_SECONDS", default=30.0),
    },
    # PDFs that no committed certificate names (a render cut short) are removed (decision 0086).
    "certificates-remove-orphan-pdfs": {
        "task": "certificates.tasks.certificate_pdf_orphans_remove_task",
        "schedule": crontab(minute=40),
    },
    # Hand LRS verification batches that stopped moving (a worker lost, the broker down at
    # commit) to the queue again; a batch waiting for the LRS retries by itself.
    "lrs-resume-verify-jobs": {
        "task": "lrs_sync.tasks.verify_jobs_resume_task",
        "schedule": 120.0,
    },
    # R-RES-3: ready achievement records go into batches every fifteen minutes; each batch is
    # sent once its build commits.
    "lrs-build-achievement-batches": {
        "task": "lrs_sync.achievement_batches_build",
        "schedule": 900.0,
    },
    # Batches whose send or poll message was lost (broker down, worker killed) are taken up again.
    "lrs-resume-achievement-batches": {
        "task": "lrs_sync.achievement_batches_resume",
        "schedule": 120.0,
    },
    # R-EDC-1: event data challenges are fetched from the LRS every fifteen minutes (each is
    # stored once); statuses the LRS has not heard yet are reported again every five.
    "lrs-fetch-challenges": {
        "task": "lrs_sync.challenges_fetch",
        "schedule": 900.0,
    },
    "lrs-report-challenge-statuses": {
        "task": "lrs_sync.challenges_report_owed",
        "schedule": 300.0,
    },
    # R-EDC-4: on the first of each month the resolver gets the open challenges (once a month,
    # however often this fires).
    "lrs-challenges-monthly-report": {
        "task": "lrs_sync.challenges_monthly_report",
        "schedule": crontab(day_of_month=1, hour=6, minute=30),
    },
}
# Background work (decisions 0085, 0086): how long a request's own send is left before beat sends
# a waiting outbox message; how long a render job may go without progress before it is stalled;
# how often a worker writes its heartbeat, and how old one may be before /healthz says no worker.
OUTBOX_SEND_AFTER_SECONDS = env.int("OUTBOX_SEND_AFTER_SECONDS", default=30)
CERTIFICATE_RENDER_STALL_SECONDS = env.int("CERTIFICATE_RENDER_STALL_SECONDS", default=120)
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=5.0)
WORKER_HEARTBEAT_STALE_SECONDS = env.float("WORKER_HEARTBEAT_STALE_SECONDS", default=30.0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_tokens.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Awards portal API",
    "DESCRIPTION": "For providers' management information systems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The PDF libraries narrate every step at INFO; only their warnings are worth reading.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

from .lrs import *  # noqa: E402
