"""Settings for the Apex Clinic site, read from the environment.

With nothing set the site runs for development: DEBUG on, SQLite, an embedded Celery broker
(kombu's filesystem transport) and email written to the console and to var/mail/.
`DJANGO_DEBUG=false` switches to production rules: a real secret key and ALLOWED_HOSTS are
required, cookies are secure and HSTS is on. Every variable is listed in .env.example.
"""

import datetime as dt
from pathlib import Path

import holidays
from celery.schedules import crontab
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

from clinic.env import EnvReader
from config.databases import REPLICA, databases_from_env
from config.storage import default_storage_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)  # SQLite file, dev mail and the embedded broker live here

env = EnvReader()

DEBUG = env.bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-apex-clinic-development-only-key-do-not-use-in-production"  # noqa: S105 (refused when DEBUG is off)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")


def _secret_key_problem(key: str) -> str:
    """What is wrong with a production secret key, by the bar of Django's deploy check
    (security.W009), or "" when nothing is."""
    if not key:
        return "is not set"
    if key == _DEV_SECRET_KEY or key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return "is the development key"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"is only {len(key)} characters long"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return "repeats too few different characters"
    return ""


# Refused at start-up, so a weak key stops the site instead of becoming a warning nobody reads.
if not DEBUG and (_problem := _secret_key_problem(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY {_problem}: when DJANGO_DEBUG is false it must be a random value of "
        f"at least {SECRET_KEY_MIN_LENGTH} characters. Make one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is false.")

# Patients may cancel online up to this many hours before an appointment.
BOOKING_CANCEL_NOTICE_HOURS = env.int("BOOKING_CANCEL_NOTICE_HOURS", 24, minimum=0)
# How long a freed slot offered to a patient on the waitlist is held for them.
WAITLIST_OFFER_HOLD_MINUTES = env.int("WAITLIST_OFFER_HOLD_MINUTES", 30, minimum=1)
# New patients' first-appointment requests each IP address, email or phone may send per hour.
BOOKING_REQUESTS_PER_HOUR = env.int("BOOKING_REQUESTS_PER_HOUR", 3, minimum=1)
# Shown to patients (portal and emails) as the number to ring.
CLINIC_PHONE = env.str("CLINIC_PHONE", "")
# The clinic's postal address (therapists' calendar feeds, the accessibility statement) and
# the email address people may write to (the accessibility statement).
CLINIC_ADDRESS = env.str("CLINIC_ADDRESS", "")
CLINIC_EMAIL = env.str("CLINIC_EMAIL", "")
# Public holidays the clinic is closed on (no free slots, skipped by weekly series): a country
# code with an optional subdivision, as the `holidays` library names them ("GB-ENG", "GB-SCT",
# "IE", "DE-BY"), or "none" to open every day.
CLINIC_HOLIDAYS = env.str("CLINIC_HOLIDAYS", "GB-ENG").strip()
if CLINIC_HOLIDAYS.lower() == "none":
    CLINIC_HOLIDAYS = ""
elif CLINIC_HOLIDAYS:
    _country, _, _subdivision = CLINIC_HOLIDAYS.partition("-")
    _known = holidays.list_supported_countries()
    if _country not in _known or (_subdivision and _subdivision not in _known[_country]):
        raise ImproperlyConfigured(
            f"CLINIC_HOLIDAYS={CLINIC_HOLIDAYS!r} is not a region the holidays library knows: "
            'use a country code with an optional subdivision such as "GB-ENG", or "none".'
        )

SITE_URL = env.url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https")).rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "clinic.admin_site.ClinicAdminConfig",  # django.contrib.admin, limited to GET and POST
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "clinic",
    "notifications",
    "patients",
    "assessments",
    "exercises",
    "bookings",
    "running",
    "portal",
    "treatment",
    "rehab",
    "interop",  # the read-only FHIR API at /fhir/ (issue 18)
    "reports",  # the manager's figures per site (issue 19)
    "loadgen",  # `seed_load` for benchmarks and tests/perf; no models, no pages
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinic.middleware.HeadAsGetMiddleware",
    "clinic.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "clinic.middleware.AuditMiddleware",
    "clinic.middleware.StaffSessionTimeoutMiddleware",
    "clinic.middleware.StaffTwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "clinic.context_processors.site",
                "portal.context_processors.red_flag_notice",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL, DATABASE_REPLICA_URL and DATABASE_PGBOUNCER: see config/databases.py.
DATABASES = databases_from_env(env, var_dir=VAR_DIR)
# Every query goes to the primary, except reads that opt in (clinic/replica.py) while the
# replica answers within DATABASE_REPLICA_MAX_LAG seconds and the visitor has not written in
# the last READ_YOUR_WRITES_SECONDS.
DATABASE_ROUTERS = ["config.db_router.PrimaryReplicaRouter"]
DATABASE_REPLICA_ALIAS = REPLICA if REPLICA in DATABASES else None
DATABASE_REPLICA_MAX_LAG = env.int("DATABASE_REPLICA_MAX_LAG", 10, minimum=0)
DATABASE_REPLICA_CONNECT_TIMEOUT = env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", 1, minimum=1)
DATABASE_REPLICA_CHECK_SECONDS = env.int("DATABASE_REPLICA_CHECK_SECONDS", 10, minimum=1)
READ_YOUR_WRITES_SECONDS = env.int("READ_YOUR_WRITES_SECONDS", 30, minimum=1)
MIDDLEWARE.append("clinic.replica.RecentWriteMiddleware")  # no-op without a replica
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "clinic.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for one day
AUTHENTICATION_BACKENDS = [
    "clinic.auth_backends.LockoutBackend",
    "clinic.auth_backends.ModelBackend",
]
# Lock a username + IP pair out for 15 minutes after 5 failed logins (django-axes).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field, though it holds an email
AXES_USERNAME_CALLABLE = "clinic.auth_backends.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Reverse proxies (nginx, a load balancer) between the internet and gunicorn. Behind them every
# request comes from the proxy's address, so the client's is read from X-Forwarded-For; with
# 0 that header is ignored, because anyone can send it (clinic/client_address.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "clinic.client_address.client_ip"
AXES_VERBOSE = False
# Staff sessions end after 30 idle minutes; patients stay signed in for two weeks.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Staff must confirm sign-in with a TOTP code; always in production.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", not DEBUG) or not DEBUG
OTP_TOTP_ISSUER = "Apex Clinic"
# After each wrong code a device waits 1, 2, 4, 8… times this many seconds before it checks
# another (django-otp's throttling; 0 would switch it off).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# --- Time and language ----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.time_zone("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files (served by WhiteNoise; no CDN anywhere) -----------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploads (illustrations, demonstration videos): local files, or S3 (config/storage.py).
    "default": default_storage_config(env),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
PHONENUMBER_DEFAULT_REGION = env.str("PHONENUMBER_DEFAULT_REGION", "GB")

# --- Email ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Apex Clinic <no-reply@apex-clinic.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email = env.email("EMAIL_URL")
if _email is None:
    EMAIL_BACKEND = "clinic.mail.ConsoleAndFileBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
else:
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "")
    EMAIL_PORT = _email.get("EMAIL_PORT") or 25
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
    EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH", VAR_DIR / "mail")
EMAIL_TIMEOUT = 10
# Account emails a person is waiting for (password reset, sign-in changed, portal invitation)
# go through Celery's `default` queue, never behind a reminder burst (clinic/mail.py).
TRANSACTIONAL_EMAIL_BACKEND = "clinic.mail.QueuedEmailBackend"
# One-off texts a person is waiting for (a booking request's decision) go the same way, as a
# task on the `default` queue (bookings/requests/messages.py); off, they are sent in-process.
TRANSACTIONAL_SMS_QUEUED = True

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.url(
    "CELERY_BROKER_URL", "filesystem://", schemes=("filesystem", "redis", "rediss", "memory")
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        # kombu's default is ./control, which put exchange tables in the repository's root.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = "UTC"
# Queues by purpose, so a burst in one never delays another: `messages` (reminders, texts,
# appointment and waitlist messages), `reports` (exports and reports), `default` (everything else,
# among it the account emails of clinic.mail). Production runs one worker per queue (Procfile);
# `make run` one worker for all three. tests/clinic/test_celery_routes.py walks every task.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "notifications.*": {"queue": "messages"},
    "bookings.waitlist_*": {"queue": "messages"},
    "bookings.message_*": {"queue": "messages"},
    "*.report_*": {"queue": "reports"},
    "*.export_*": {"queue": "reports"},
    # Background work nobody waits on (a whole day's caseloads just after midnight): not in
    # front of account emails on the default queue.
    "exercises.dashboard_alerts_warm": {"queue": "reports"},
}
# Beat runs once however many machines start it: with Redis, celery-redbeat keeps the schedule
# in Redis and only the holder of its lock sends; a second beat waits, and takes over within
# BEAT_LOCK_TIMEOUT_SECONDS of the holder's death (it renews the lock every loop, at most
# BEAT_MAX_LOOP_SECONDS apart). `make run` (filesystem broker) keeps the file scheduler.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
    CELERY_REDBEAT_KEY_PREFIX = "redbeat:"
    CELERY_REDBEAT_REDIS_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 3}
    CELERY_BEAT_MAX_LOOP_INTERVAL = env.int("BEAT_MAX_LOOP_SECONDS", 5, minimum=1)
    CELERY_REDBEAT_LOCK_TIMEOUT = env.int(
        "BEAT_LOCK_TIMEOUT_SECONDS", 30, minimum=CELERY_BEAT_MAX_LOOP_INTERVAL + 1
    )
else:
    CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"
    CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "dispatch-reminders": {
        "task": "notifications.dispatch",
        "schedule": env.int("REMINDER_DISPATCH_EVERY_SECONDS", 60, minimum=1),
    },
    "expire-waitlist-offers": {"task": "bookings.waitlist_expire", "schedule": 60},
    # Just after each quarter hour (when the dashboard's alerts move on, and midnight falls in
    # every zone): the therapists' alerts worked out before their first view asks.
    "warm-dashboard-alerts": {
        "task": "exercises.dashboard_alerts_warm",
        "schedule": crontab(minute="*/15"),
    },
}

# --- Cache ----------------------------------------------------------------------------
# Pages are built from the database on every request; the cache holds short-lived shared state
# (the dashboard's alerts, hourly limits on booking requests and calendar feeds). It must be
# shared by every web process: Redis in production (CACHE_URL, or database 1 of the Redis
# broker when unset), files under var/ for `make run`, whose web and worker processes share one
# machine.
CACHE_URL = env.url(
    "CACHE_URL",
    (
        CELERY_BROKER_URL.rsplit("/", 1)[0] + "/1"
        if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
        else "file://"
    ),
    schemes=("redis", "rediss", "file", "dummy"),
)
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "clinic.cache.RedisCache",  # one Redis client per pool
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif CACHE_URL.startswith("dummy://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# Sessions are read from that cache and kept in the database (clinic/sessions.py): a signed-in
# request costs a cache round trip, not a query, and a flushed cache signs nobody out. `make run`
# keeps them in the database only.
SESSION_ENGINE = (
    "clinic.sessions"
    if CACHE_URL.startswith(("redis://", "rediss://"))
    else "django.contrib.sessions.backends.db"
)

# --- Reminders (notifications app) ----------------------------------------------------
# Reminders due longer ago than this when the dispatcher runs are recorded as missed, not sent.
REMINDER_GRACE_MINUTES = env.int("REMINDER_GRACE_MINUTES", 120, minimum=1)
# A reminder left "sending" this long (the worker died) or queued this long without being
# picked up is queued again; longer than CELERY_TASK_TIME_LIMIT so a live send is never doubled.
REMINDER_CLAIM_TIMEOUT_SECONDS = env.int("REMINDER_CLAIM_TIMEOUT_SECONDS", 300, minimum=1)
# Transient failures retry after 1, 2, 4, 8 times this (5 attempts in all).
REMINDER_RETRY_BASE_SECONDS = env.int("REMINDER_RETRY_BASE_SECONDS", 30, minimum=1)
# Text messages: the default writes each one to the log and var/sms/ (nothing is sent);
# production uses notifications.sms.TwilioSmsBackend with the TWILIO_* settings below.
REMINDER_SMS_BACKEND = env.str("REMINDER_SMS_BACKEND", "notifications.sms.ConsoleAndFileSmsBackend")
SMS_FILE_PATH = VAR_DIR / "sms"
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", "")
# Signs Twilio's webhooks (always needed to accept them); also authenticates API calls unless
# an API key is given.
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", "")
TWILIO_API_KEY_SID = env.str("TWILIO_API_KEY_SID", "")
TWILIO_API_KEY_SECRET = env.str("TWILIO_API_KEY_SECRET", "")
# The sender: a messaging service (preferred) or a number in E.164.
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", "")
# The public address Twilio posts delivery reports to and signs (default SITE_URL).
TWILIO_WEBHOOK_BASE_URL = env.url(
    "TWILIO_WEBHOOK_BASE_URL", SITE_URL, schemes=("http", "https")
).rstrip("/")
# Only for tests against a local stand-in of Twilio's API; empty means Twilio itself.
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", "").rstrip("/")
TWILIO_TIMEOUT_SECONDS = env.int("TWILIO_TIMEOUT_SECONDS", 10, minimum=1)

# --- Benchmarks -----------------------------------------------------------------------
# `make bench` turns on two baseline pages (/bench/hello, /bench/auth); off everywhere else.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", False)

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"expected_errors_one_line": {"()": "clinic.log.ExpectedErrorsOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["expected_errors_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's own handlers on the "django" logger (its console handler printed
        # every request error a second time under DEBUG): everything goes through "console".
        "django": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
