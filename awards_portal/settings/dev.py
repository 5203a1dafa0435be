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
