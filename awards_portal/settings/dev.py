"""Settings for a developer's machine: `make run`.

`DEBUG` is off unless asked for (`DEBUG=1 make run`): the development server is often reachable
from a college network, and Django's debug pages list every URL pattern and show settings. With
`DEBUG` off the portal serves its own 404 and 500 pages, and WhiteNoise serves static files straight
from the source folders, so no `collectstatic` is needed.
"""

from .base import *
from .base import STORAGES, env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The LRS is the sandpit mounted beside the portal (`make run`); set LRS_ENDPOINT_* for another.
LRS_SANDPIT_ENABLED = env.bool("LRS_SANDPIT_ENABLED", default=True)
_SANDPIT = env.str("LRS_SANDPIT_BASE_URL", default="http://127.0.0.1:8000/lrs-sandpit")
LRS_ENDPOINT_LEARNER = env.str("LRS_ENDPOINT_LEARNER", default=f"{_SANDPIT}/LearnerService.svc")
LRS_ENDPOINT_EXTERNAL = env.str("LRS_ENDPOINT_EXTERNAL", default=f"{_SANDPIT}/ExternalService.svc")
LRS_ENDPOINT_R9 = env.str("LRS_ENDPOINT_R9", default=f"{_SANDPIT}/LearnerServiceR9.svc")
LRS_ORGANISATION_REF = env.str("LRS_ORGANISATION_REF", default="SANDPIT-AO")
LRS_UKPRN = env.str("LRS_UKPRN", default="10099999")
LRS_USERNAME = env.str("LRS_USERNAME", default="sandpit-user")
LRS_PASSWORD = env.str("LRS_PASSWORD", default="sandpit-password")
