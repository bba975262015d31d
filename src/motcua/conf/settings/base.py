"""Settings shared by every flavour. Every environment-driven value goes through ``conf.env``."""

from __future__ import annotations

from pathlib import Path

from motcua.conf.env import env_bool, env_cache, env_db, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # src/motcua

DATA_DIR = Path(
    env_str(
        "MOTCUA_DATA_DIR",
        "var",
        help="Thư mục dữ liệu cục bộ (CSDL SQLite, tệp tải lên, tệp tĩnh đã gom). "
        "Local data folder (SQLite database, uploads, collected static files).",
    )
).resolve()

SECRET_KEY = env_str(
    "MOTCUA_SECRET_KEY",
    "dev-only-insecure-key-do-not-use-in-production",
    help="Django secret key. Required (no default) in production.",
    required_in="production",
    shown="an insecure development key (none in production)",
)
DEBUG = env_bool("MOTCUA_DEBUG", False, help="Django debug mode; never on in production.")
ALLOWED_HOSTS = env_list(
    "MOTCUA_ALLOWED_HOSTS",
    ["127.0.0.1", "localhost"],
    help="Host names this server answers to.",
)
CSRF_TRUSTED_ORIGINS = env_list(
    "MOTCUA_CSRF_TRUSTED_ORIGINS", [], help="Origins trusted for CSRF (https://… behind a proxy)."
)

INSTALLED_APPS = [
    # The admin site with the officer-only, OTP-aware login (docs/accounts.md).
    "motcua.accounts.adminconfig.MotcuaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "motcua.accounts.axes_app.AxesVietnameseConfig",
    "django_tasks",
    "django_tasks_db",
    "motcua.common",
    "motcua.accounts",
    "motcua.agencies",
    "motcua.workcalendar",
    "motcua.catalogue",
    "motcua.dossiers",
    "motcua.audit",
    "motcua.ratings",
    "motcua.feedback",
    "motcua.queueing",
    "motcua.monitoring",
    "motcua.demo",
    # django-ninja: listed so its docs page uses the package's own static files (no CDN).
    "ninja",
    "motcua.api",
    "motcua.integrations",
    "motcua.workspace",
    "motcua.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Vietnamese first; English by the header switch; the API by Accept-Language.
    "motcua.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Logs every /api/ call (docs/integration.md).
    "motcua.api.middleware.ApiCallLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "motcua.conf.urls"
WSGI_APPLICATION = "motcua.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env_db(
        "DATABASE_URL",
        f"sqlite:///{DATA_DIR / 'motcua.sqlite3'}",
        help="Database URL: SQLite by default (embedded), "
        "postgres://user:pass@host:5432/name in production.",
        shown="sqlite:///$MOTCUA_DATA_DIR/motcua.sqlite3",
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env_int(
    "MOTCUA_DB_CONN_MAX_AGE", 60, help="Seconds a database connection is reused (0 = per request)."
)
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default keeps its database under MOTCUA_DATA_DIR; make sure it exists.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

# The hot hand-written reads (``common.sql.Select``: public tracking, the API's dossier GET) are
# bound on the server, and psycopg prepares a statement after it ran this many times on a
# connection: PostgreSQL then skips planning it (0.6 ms of its CPU per tracking request at 1 M
# dossiers). The ORM's own queries are never prepared (client-side binding). 0 turns it off —
# behind a pooler in transaction mode without prepared-statement support (PgBouncer < 1.21, or
# ``max_prepared_statements = 0``). docs/deployment.md.
_prepare_after = env_int(
    "MOTCUA_DB_PREPARE_AFTER",
    5,
    help="PostgreSQL: runs of a hot read on one connection before it is prepared (0 = never).",
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = _prepare_after or None

# Django's cache: the rate-limit counters (``portal.ratelimit.hit``: public tracking, citizen
# sign-in, kiosk scans) live here, so every app server must share it (docs/deployment.md).
CACHES = {
    "default": env_cache(
        "MOTCUA_CACHE_URL",
        "locmemcache://",
        help="Cache shared by the app servers, holding the rate-limit counters: "
        "locmemcache:// (default: in the process, for a single process only), "
        "redis://host:6379/0 (production, several processes or servers; Django's Redis "
        "backend) or dbcache://motcua_cache (the database; run `motcua createcachetable`).",
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out account is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "accounts:login"
# Optional TOTP second factor for officers (django-otp): the name shown in the phone app.
OTP_TOTP_ISSUER = "motcua"

# Login lockout (django-axes): an account is locked after this many failures.
AXES_FAILURE_LIMIT = env_int(
    "MOTCUA_LOGIN_FAILURE_LIMIT", 5, help="Failed log-ins before an account is locked."
)
AXES_COOLOFF_TIME = (
    env_int("MOTCUA_LOGIN_COOLOFF_MINUTES", 15, help="Minutes a locked account stays locked.") / 60
)  # hours
# Lock by account, not by IP address: a whole office sits behind one NAT address, and one
# person's typos must not lock out every colleague. Rotating user agents does not help an
# attacker here because the username alone is the lock key.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = True
# The Vietnamese "account temporarily locked" page (docs/accounts.md).
AXES_LOCKOUT_CALLABLE = "motcua.accounts.lockout.lockout_response"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["motcua.conf.formats"]

STATIC_URL = "static/"
STATIC_ROOT: Path | None = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": env_str(
            "MOTCUA_TASK_BACKEND",
            "django_tasks_db.DatabaseBackend",
            help="Background task backend (django-tasks): the application database by default; "
            "e.g. django_tasks_rq.RQBackend for Redis.",
        )
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int(
    "MOTCUA_SESSION_SECONDS", 8 * 3600, help="Seconds a signed-in session lasts (one working day)."
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Working-day calendar defaults (Decree 118/2025 Đ18.2: 15:00 cut-off).
MOTCUA_DEFAULT_CUTOFF = env_str(
    "MOTCUA_DEFAULT_CUTOFF", "15:00", help="Default cut-off hour for receptions (HH:MM)."
)

# Satisfaction rating scale (rules.md §1.10): labels, best first. The law fixes no scale.
MOTCUA_RATING_SCALE = env_list(
    "MOTCUA_RATING_SCALE",
    ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng"],
    help="Rating levels shown to citizens, best first, comma-separated.",
)

# Feedback (PAKN) deadlines in working days (QĐ 766 5.2; rules.md §1.13: provinces differ).
MOTCUA_FEEDBACK_REFUSE_DAYS = env_int(
    "MOTCUA_FEEDBACK_REFUSE_DAYS", 2, help="Working days to refuse a feedback item (PAKN)."
)
MOTCUA_FEEDBACK_SUPPLEMENT_DAYS = env_int(
    "MOTCUA_FEEDBACK_SUPPLEMENT_DAYS",
    5,
    help="Working days to ask the sender of a feedback item for more information (first request).",
)
MOTCUA_FEEDBACK_HANDLE_DAYS = env_int(
    "MOTCUA_FEEDBACK_HANDLE_DAYS",
    15,
    help="Working days to handle (answer) a feedback item, from receipt or the latest transfer.",
)
MOTCUA_FEEDBACK_PUBLISH_DAYS = env_int(
    "MOTCUA_FEEDBACK_PUBLISH_DAYS",
    2,
    help="Working days to publish the answer to a feedback item after its approval.",
)

# Audit log (docs/audit.md): entries are spread over this many independent hash chains, so
# writes about different objects rarely wait for one another. Raising it later is safe.
MOTCUA_AUDIT_CHAINS = env_int(
    "MOTCUA_AUDIT_CHAINS",
    16,
    help="Number of independent hash chains of the audit log (more = less lock contention).",
)

# Monitoring reports (docs/monitoring.md).
MOTCUA_PDF_FONT = env_str(
    "MOTCUA_PDF_FONT",
    "",
    help="TrueType font with Vietnamese glyphs for PDF reports (default: Debian DejaVu Sans).",
)

# Dossier codes (TT 01/2018/TT-VPCP Điều 19; NĐ 118/2025 Điều 28): docs/dossiers.md.
MOTCUA_DOSSIER_CODE_LAYOUT = env_str(
    "MOTCUA_DOSSIER_CODE_LAYOUT",
    "tt01_2018",
    help="Dossier code layout: tt01_2018 ({agency}-YYMMDD-NNNN, agency code as stored) or "
    "tt03_2025 (agency code written level 1 first, TT 03/2025 + TT 04/2025).",
)

# Counter queue (docs/queue.md; ND 118/2025 Đ13.2b).
MOTCUA_QUEUE_OPENING_HOURS = env_bool(
    "MOTCUA_QUEUE_OPENING_HOURS",
    True,
    help="Kiosks issue tickets only on working days, from shortly before opening to closing "
    "(the agency's working calendar). Off: tickets at any time.",
)
MOTCUA_QUEUE_EARLY_MINUTES = env_int(
    "MOTCUA_QUEUE_EARLY_MINUTES",
    30,
    help="Minutes before the first working period when kiosks already issue tickets.",
)
MOTCUA_QUEUE_SERVICE_MINUTES = env_int(
    "MOTCUA_QUEUE_SERVICE_MINUTES",
    6,
    help="Assumed minutes per citizen for the estimated wait until a group has served some.",
)
MOTCUA_QUEUE_STREAM_SECONDS = env_int(
    "MOTCUA_QUEUE_STREAM_SECONDS",
    55,
    help="Seconds one display-board event stream (SSE) stays open before the browser "
    "reconnects (keeps sync workers free).",
)
MOTCUA_QUEUE_REMINDER_HOURS = env_int(
    "MOTCUA_QUEUE_REMINDER_HOURS",
    2,
    help="Hours before a booked queue slot when the reminder (SMS, e-mail) is sent through "
    "the notification outbox.",
)
MOTCUA_QUEUE_SPEECH = env_bool(
    "MOTCUA_QUEUE_SPEECH",
    False,
    help="Spoken calls in Vietnamese on display boards, synthesised with espeak-ng "
    "(Debian package espeak-ng) on the server.",
)

# Integrations (docs/integration.md): webhooks and the national portal bridge.
MOTCUA_EVENT_SOURCE = env_str(
    "MOTCUA_EVENT_SOURCE",
    "urn:motcua",
    help="CloudEvents 'source' of the dossier events (e.g. https://dichvucong.tinh.gov.vn).",
)
MOTCUA_WEBHOOK_TIMEOUT = env_int(
    "MOTCUA_WEBHOOK_TIMEOUT", 10, help="Seconds to wait for a webhook receiver to answer."
)
MOTCUA_INTEGRATION_ALERT_EMAILS = env_list(
    "MOTCUA_INTEGRATION_ALERT_EMAILS",
    [],
    help="Who is e-mailed when a webhook message fails for good after 24 hours "
    "(default: the active superusers' addresses).",
)

# The API's OAuth2 token endpoint (docs/integration.md): its own limits, counted in the cache
# before the client secret is checked.
MOTCUA_OAUTH_TOKEN_PER_MINUTE_CLIENT = env_int(
    "MOTCUA_OAUTH_TOKEN_PER_MINUTE_CLIENT",
    10,
    help="OAuth2 token requests allowed per minute for one client_id (a token lives 15 "
    "minutes; guessing a client's secret is throttled).",
)
MOTCUA_OAUTH_TOKEN_PER_MINUTE_IP = env_int(
    "MOTCUA_OAUTH_TOKEN_PER_MINUTE_IP",
    30,
    help="OAuth2 token requests allowed per minute from one IP address, whatever the client_id.",
)

# Request bodies other than file uploads (the API's JSON with base64 documents): one 2 MB
# document is about 2.7 MB in base64, so 3 MB lets the API's documented per-file limit through.
DATA_UPLOAD_MAX_MEMORY_SIZE = (
    env_int(
        "MOTCUA_REQUEST_BODY_MAX_MB",
        3,
        help="Largest request body other than file uploads (the API's JSON), in megabytes.",
    )
    * 1024
    * 1024
)

# Officer workspace (docs/workspace.md): scans at the counter, public tracking links on the
# forms, and the agency certificate that signs results (PAdES, pyhanko).
MOTCUA_UPLOAD_MAX_MB = env_int(
    "MOTCUA_UPLOAD_MAX_MB", 10, help="Largest scan accepted at the counter, in megabytes."
)
MOTCUA_PUBLIC_BASE_URL = env_str(
    "MOTCUA_PUBLIC_BASE_URL",
    "http://localhost:8000",
    help="Public address of the portal, printed (and put in the QR code) on receipts: "
    "{base}/tra-cuu/{code}/.",
)
MOTCUA_SIGNING_DIR = env_str(
    "MOTCUA_SIGNING_DIR",
    str(DATA_DIR / "chung-thu"),
    help="Directory of the agencies' signing certificates (PKCS#12): {agency code}.p12, or "
    "default.p12 for every agency.",
    shown="$MOTCUA_DATA_DIR/chung-thu",
)
MOTCUA_SIGNING_PASSPHRASE = env_str(
    "MOTCUA_SIGNING_PASSPHRASE",
    "",
    help="Passphrase of the PKCS#12 signing certificates (empty: none).",
)

# Citizen portal (docs/portal.md).
MOTCUA_PORTAL_UPLOAD_MAX_MB = env_int(
    "MOTCUA_PORTAL_UPLOAD_MAX_MB", 10, help="Largest file a citizen may upload on the portal (MB)."
)
MOTCUA_TRACKING_PER_MINUTE = env_int(
    "MOTCUA_TRACKING_PER_MINUTE",
    30,
    help="Public tracking look-ups allowed per minute from one IP address.",
)
MOTCUA_TRACKING_PER_CODE_HOUR = env_int(
    "MOTCUA_TRACKING_PER_CODE_HOUR",
    10,
    help="Public tracking attempts allowed per hour for one dossier code (guessing the "
    "4-digit second factor).",
)
MOTCUA_PORTAL_LOGIN_PER_MINUTE = env_int(
    "MOTCUA_PORTAL_LOGIN_PER_MINUTE",
    20,
    help="Citizen sign-in, registration and code attempts allowed per minute from one IP "
    "address (accounts are also locked by django-axes).",
)
MOTCUA_PAYMENT_GATEWAY = env_str(
    "MOTCUA_PAYMENT_GATEWAY",
    "motcua.portal.payments.TestGateway",
    help="Dotted path of the payment gateway class (the built-in test gateway by default).",
)
MOTCUA_SMS_BACKEND = env_str(
    "MOTCUA_SMS_BACKEND",
    "motcua.portal.sms.FileBackend",
    help="Dotted path of the SMS gateway class: motcua.portal.sms.FileBackend (writes "
    "$MOTCUA_DATA_DIR/sms/*.txt) or motcua.portal.sms.ConsoleBackend.",
)
MOTCUA_OUTBOX_MAX_ATTEMPTS = env_int(
    "MOTCUA_OUTBOX_MAX_ATTEMPTS",
    12,
    help="Delivery attempts of one notification before it is marked failed (backoff doubles "
    "from 30 s, capped at 1 hour).",
)
MOTCUA_OIDC_ISSUER = env_str(
    "MOTCUA_OIDC_ISSUER",
    "",
    help="Issuer URL of the citizens' OpenID Connect identity provider (VNeID-style SSO); "
    "empty: no external sign-in.",
)
MOTCUA_OIDC_CLIENT_ID = env_str(
    "MOTCUA_OIDC_CLIENT_ID", "", help="Client ID of the portal at the identity provider."
)
MOTCUA_OIDC_CLIENT_SECRET = env_str(
    "MOTCUA_OIDC_CLIENT_SECRET", "", help="Client secret of the portal at the identity provider."
)
MOTCUA_OIDC_SCOPE = env_str(
    "MOTCUA_OIDC_SCOPE", "openid profile email", help="Scopes asked of the identity provider."
)
EMAIL_BACKEND = env_str(
    "MOTCUA_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend",
    help="Django e-mail backend for notifications.",
)
EMAIL_HOST = env_str("MOTCUA_EMAIL_HOST", "localhost", help="SMTP server for notifications.")
EMAIL_PORT = env_int("MOTCUA_EMAIL_PORT", 25, help="SMTP port.")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str(
    "MOTCUA_EMAIL_FROM",
    "motcua <no-reply@localhost>",
    help="Sender address of notifications.",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
