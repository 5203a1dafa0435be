"""Settings for a deployment: refuses to start with a default secret key or DEBUG on."""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import DEBUG, PORTAL_BASE_URL, SECRET_KEY, env
from .lrs import (
    LRS_ENDPOINT_EXTERNAL,
    LRS_ENDPOINT_LEARNER,
    LRS_ENDPOINT_R9,
    LRS_SANDPIT_ENABLED,
)

KNOWN_DEFAULT_SECRET_KEYS = {
    "",
    "dev-only-insecure-key-do-not-use-in-production",
    "test-only-insecure-key",
    "change-me",
    "changeme",
    "secret",
}

if SECRET_KEY in KNOWN_DEFAULT_SECRET_KEYS or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment to a random value of at least 50 characters "
        "(it is missing, too short, or a known default)."
    )
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production: unset DEBUG or set DEBUG=False.")

# Printed into the QR code of every certificate, which can never be changed afterwards.
if not PORTAL_BASE_URL.startswith("https://") or any(
    local in PORTAL_BASE_URL for local in ("127.0.0.1", "localhost", "[::1]")
):
    raise ImproperlyConfigured(
        "PORTAL_BASE_URL must be set to the portal's public https:// address (it is printed in "
        "every certificate's QR code and in emails); it is missing, local or not https."
    )

# The sandpit is a stand-in LRS for dev and test: never a deployment's pages or endpoints.
if LRS_SANDPIT_ENABLED:
    raise ImproperlyConfigured(
        "LRS_SANDPIT_ENABLED must be off in production: the LRS sandpit is for dev and test only."
    )
# The organisation's LRS password travels in every request: only ever over https.
for _name, _endpoint in (
    ("LRS_ENDPOINT_LEARNER", LRS_ENDPOINT_LEARNER),
    ("LRS_ENDPOINT_EXTERNAL", LRS_ENDPOINT_EXTERNAL),
    ("LRS_ENDPOINT_R9", LRS_ENDPOINT_R9),
):
    if _endpoint and not _endpoint.startswith("https://"):
        raise ImproperlyConfigured(
            f"{_name} must be the LRS's https:// address in production: the organisation's LRS "
            "password is sent with every request."
        )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
