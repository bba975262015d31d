"""Local development and the embedded demo: SQLite and local files, nothing else."""

from motcua.conf.env import env_bool
from motcua.conf.settings.base import *  # noqa: F403

DEBUG = env_bool("MOTCUA_DEBUG", True, help="Django debug mode; never on in production.")

# Serve static files straight from the apps (no collectstatic needed for the embedded demo).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
