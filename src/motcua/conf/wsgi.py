"""WSGI entry point (gunicorn motcua.conf.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings.production")
application = get_wsgi_application()
