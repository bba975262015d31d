"""Production: fails closed. No default secret key, DEBUG off, secure cookies, HSTS."""

from motcua.conf.env import env_bool, env_int, env_list, env_str
from motcua.conf.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str(
    "MOTCUA_SECRET_KEY",
    help="Django secret key. Required (no default) in production.",
    required_in="production",
)
ALLOWED_HOSTS = env_list("MOTCUA_ALLOWED_HOSTS", [], help="Host names this server answers to.")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool(
    "MOTCUA_SSL_REDIRECT", True, help="Redirect plain HTTP to HTTPS (production)."
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int(
    "MOTCUA_HSTS_SECONDS", 31536000, help="HSTS max-age in seconds (production)."
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
