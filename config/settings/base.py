"""Settings shared by every environment; everything that varies comes from the environment.

dev.py, test.py and prod.py import this module and change only what differs.
Every variable read here is documented in .env.example.
"""

import os
from decimal import Decimal
from pathlib import Path

import environ
import redis  # noqa: F401 - see below
from django.utils.translation import gettext_lazy as _

from config import sentinel
from config.email import anymail_from_env

# redis is imported here, in the main thread, on purpose: runserver runs its system
# checks in a second thread while the autoreloader imports modules, and redis-py's
# package import is not safe to run twice at once ("partially initialized module").
BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env (written by scripts/bootstrap.sh, never committed) fills what the
# process environment does not set.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_prometheus",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "guardian",
    "hijack",
    "waffle",
    "auditlog",
    "tenants",
    "inventory",
    "crm",
    "pos",
    "backups",
    "repairs",
    "notifications",
    # GPL-3.0-or-later; used only through accounting/ (its tables are put under RLS there)
    "django_ledger",
    "accounting",
    "reports",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: stamps model changes with the acting user and address.
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # An htmx request sent to sign in goes there as a whole page (HX-Redirect).
    "tenants.middleware.HtmxSignInMiddleware",
    "waffle.middleware.WaffleMiddleware",
    "tenants.middleware.PreferencesMiddleware",
    "tenants.middleware.MFAMiddleware",
    "tenants.middleware.TenantMiddleware",
    # Last: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.shell",
            ],
            "builtins": [
                "tenants.templatetags.zargar",
                "template_partials.templatetags.partials",
            ],
        },
    },
    # The register's cart, drawn on every scan (<app>/jinja2/, config/jinja2.py).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]

# Widgets drawn by Django's own Jinja2 templates: the same HTML as its template
# renderer, about 2.4x faster (the register redraws its forms on every scan).
FORM_RENDERER = "django.forms.renderers.Jinja2"

# default: the application role (NOBYPASSRLS) for web and workers.
# platform: the read-only platform_reader role, used only by platform views.
# Migrations run with DATABASE_URL set to the owner's URL (scripts/bootstrap.sh).
DATABASES = {
    "default": env.db("DATABASE_URL"),
    "platform": env.db("PLATFORM_DATABASE_URL"),
}
for _alias in DATABASES.values():
    _alias["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _alias["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction mode (k8s/base/postgres.yaml) a server connection
# serves one transaction only: no server-side cursors (.iterator() outside a
# transaction) and no prepared statements (psycopg prepares after 5 runs).
_TRANSACTION_POOLING = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
if _TRANSACTION_POOLING:
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
        _alias.setdefault("OPTIONS", {})["prepare_threshold"] = None
# The counter's hot statements as server-side prepared statements (tenants.prepared:
# parsed, secured and planned once per connection). Empty: on, unless behind a
# transaction pooler; PgBouncer 1.22+ with max_prepared_statements keeps them, so
# "true" there is safe (docs/operations.md). Nothing else is ever prepared.
PREPARED_STATEMENTS = (env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
                       if env.str("DATABASE_PREPARED_STATEMENTS", default="")
                       else not _TRANSACTION_POOLING)
DATABASES["platform"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["tenants.routers.PlatformReaderRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenants.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses locked-out clients before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # allauth's, loading the user with their shop and plan in one query.
    "tenants.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# allauth: email + password, no public sign-up (operators create tenants and
# owners invite staff); MFA is django-otp, added after the password step.
ACCOUNT_ADAPTER = "tenants.auth.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
# django-axes locks an account after AXES_FAILURE_LIMIT failures; allauth's own
# limit stays as a looser flood guard so that axes (audited, per account) acts first.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip,20/5m/key"}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Zargar · "
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Zargar <no-reply@zargar.local>")
# Email providers (django-anymail): DJANGO_EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend
# plus that provider's ANYMAIL_* variables (config/email.py; docs/operations.md).
ANYMAIL = anymail_from_env(os.environ)

# django-otp: TOTP (authenticator apps) and static backup codes.
OTP_TOTP_ISSUER = "Zargar"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# django-axes: lock a login (per account and per address) after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_USERNAME_CALLABLE = "tenants.auth.axes_username"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# django-guardian: per-object rules; no anonymous user row (our users need a role).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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

REDIS_URL = env("REDIS_URL")
# Kubernetes: Redis behind Sentinel ("host:port,..."; empty = REDIS_URL is the server).
# config/sentinel.py says how each client uses them.
REDIS_SENTINELS = sentinel.parse_sentinels(env("REDIS_SENTINELS", default=""))
REDIS_SENTINEL_MASTER = env("REDIS_SENTINEL_MASTER", default="zargar")
_REDIS_TARGET = sentinel.RedisTarget(REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_MASTER)
_CACHE_OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2}
CACHES = {
    "default": (
        sentinel.cache_settings(_REDIS_TARGET, _CACHE_OPTIONS)
        if REDIS_SENTINELS
        else {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _CACHE_OPTIONS,
        }
    )
}
# Sessions are read from Redis and written through to PostgreSQL: a request costs
# no session query (the POS register makes several requests a sale; see
# docs/performance.md), and a Redis restart only costs one database read.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Internationalisation: English and Persian from day one.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fa", _("Persian"))]
RTL_LANGUAGES = {"fa"}
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "zargar_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = env("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
THEME_COOKIE_NAME = "zargar_theme"
THEMES = ("light", "dark")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed, not manifest: django-ledger ships a missing .map reference
    # that breaks the manifest storage at collectstatic (ARCHITECTURE.md s7).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / ".data" / "media")
MEDIA_URL = "/media/"

# Django's default (a signed cookie, the session only when a message is too big):
# "Sale completed" on the way to the receipt no longer writes the session twice.
MESSAGE_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"

# Celery: Redis broker, late acks, tasks are idempotent (ARCHITECTURE.md s5).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
if REDIS_SENTINELS:
    # sentinel:// URLs and master_name for kombu and celery (config/sentinel.py); they
    # replace CELERY_BROKER_URL and CELERY_RESULT_BACKEND.
    vars().update(sentinel.celery_settings(_REDIS_TARGET))
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Django's LOGGING stays in charge of the root logger in workers (and in the
# test suite's in-process worker, which would otherwise drop our handlers).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Readiness: how long each dependency may take to answer.
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=2.0)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# --- inventory (gold rates, pricing, labels) ----------------------------------
# The market rate feed (inventory/rates_provider.py documents the JSON it expects).
# Empty URL: no scheduled fetch; platform admins enter rates by hand.
GOLD_RATE_PROVIDER_URL = env("GOLD_RATE_PROVIDER_URL", default="")
GOLD_RATE_PROVIDER_TOKEN = env("GOLD_RATE_PROVIDER_TOKEN", default="")
GOLD_RATE_PROVIDER_TIMEOUT = env.float("GOLD_RATE_PROVIDER_TIMEOUT", default=5.0)
GOLD_RATE_PROVIDER_RETRIES = env.int("GOLD_RATE_PROVIDER_RETRIES", default=3)
GOLD_RATE_PROVIDER_BACKOFF = env.float("GOLD_RATE_PROVIDER_BACKOFF", default=1.0)
GOLD_RATE_FETCH_EVERY = env.int("GOLD_RATE_FETCH_EVERY", default=300)

# --- crm (customers, loyalty, store credit, gift cards) -----------------------

# --- platform (tenant lifecycle, impersonation, flags, audit, health) ---------
# django-hijack: platform admins only, never another platform admin (and never
# without their own second factor); the banner is ours (templates/base.html).
HIJACK_PERMISSION_CHECK = "tenants.impersonation.impersonation_allowed"
# django-waffle: global flags; per-tenant and percentage-of-tenants rules are
# tenants/flags.py. Unknown flags are off.
WAFFLE_FLAG_DEFAULT = False
WAFFLE_CREATE_MISSING_FLAGS = False
# django-auditlog: changes of the models registered in tenants/audit.py (passwords and
# last sign-in times excluded there).
# Days between "schedule deletion" and the purge of a tenant's data.
TENANT_DELETION_GRACE_DAYS = env.int("TENANT_DELETION_GRACE_DAYS", default=30)
# Where tenant exports (the final export before a purge) are written: 0600 files,
# NOT encrypted yet (docs/operations.md, "Tenant exports").
# (An empty value means the default: env.path would turn "" into the working directory.)
TENANT_EXPORT_ROOT = Path(
    env.str("TENANT_EXPORT_ROOT", default="") or BASE_DIR / ".data" / "exports"
)
# How many recent ERROR log records the health page keeps (in Redis).
PLATFORM_RECENT_ERRORS = env.int("PLATFORM_RECENT_ERRORS", default=50)
LOGGING["handlers"]["recent_errors"] = {
    "class": "tenants.health.RecentErrorsHandler",
    "level": "ERROR",
}
LOGGING["root"]["handlers"].append("recent_errors")

# --- backups (pgBackRest cluster backups, encrypted shop exports) --------------
# Key-encryption keys of shop exports, "<key id>:<base64 of 32 bytes>". The current one
# encrypts; old ones (comma-separated) are kept only to read older exports.
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")
BACKUP_ENCRYPTION_OLD_KEYS = env.list("BACKUP_ENCRYPTION_OLD_KEYS", default=[])
# Where exports go: "name=file:///path,name=s3://bucket/prefix" (backups/targets.py).
from backups.targets import targets_from_env  # noqa: E402  (no Django setup needed)

BACKUP_TARGETS = targets_from_env(
    env.str("BACKUP_TARGETS", default="")
    or f"local=file://{BASE_DIR / '.data' / 'backups' / 'exports'}"
)
BACKUP_S3_PART_SIZE = env.int("BACKUP_S3_PART_SIZE", default=8 * 1024 * 1024)
# The daily pg_dump copy connects as zargar_backup (BYPASSRLS, SELECT only); empty:
# the default database's host, port and name with ZARGAR_DB_BACKUP_PASSWORD.
BACKUP_DATABASE_URL = env.str("BACKUP_DATABASE_URL", default="")
BACKUP_ZSTD_LEVEL = env.int("BACKUP_ZSTD_LEVEL", default=1)  # measured: docs/performance.md
# Export copies older than this are deleted at each target (task backups.expire), but
# the newest BACKUP_EXPORT_KEEP of every shop stay (per target: BACKUP_TARGET_<NAME>_*).
BACKUP_EXPORT_RETENTION_DAYS = env.int("BACKUP_EXPORT_RETENTION_DAYS", default=35)
BACKUP_EXPORT_KEEP = env.int("BACKUP_EXPORT_KEEP", default=7)
# A run still "started" with no progress for this long belongs to a dead worker.
BACKUP_STALE_AFTER = env.int("BACKUP_STALE_AFTER", default=1800)
# Scratch space for export files before they go to the targets (0700, same disk as
# nothing else important: files there are encrypted and removed after each run).
BACKUP_SCRATCH_DIR = Path(
    env.str("BACKUP_SCRATCH_DIR", default="") or BASE_DIR / ".data" / "backups" / "scratch"
)
# pgBackRest's configuration, written by scripts/services.sh beside the cluster's data
# directory (which may be relocated when .data/ is closed to the postgres user).
BACKUP_PGBACKREST_CONFIG = Path(
    env.str("BACKUP_PGBACKREST_CONFIG", default="")
    or (BASE_DIR / ".data" / "pg").resolve().parent / "pgbackrest" / "pgbackrest.conf"
)
# Alerts (backups/alerts.py): a backup whose size is off the previous comparable one by
# more than this fraction raises an alert; a kind with no good run within its hours
# (schedule plus grace) is "overdue".
BACKUP_SIZE_DEVIATION = env.float("BACKUP_SIZE_DEVIATION", default=0.2)
BACKUP_STALE_HOURS = {
    "full": env.float("BACKUP_STALE_HOURS_FULL", default=7 * 24 + 6),
    "diff": env.float("BACKUP_STALE_HOURS_DIFF", default=24 + 6),
    "tenant_export": env.float("BACKUP_STALE_HOURS_EXPORT", default=24 + 6),
    "verify": env.float("BACKUP_STALE_HOURS_VERIFY", default=3),
    "drill": env.float("BACKUP_STALE_HOURS_DRILL", default=32 * 24),
    # The daily portable copy (pg_dump, task backups.cluster_dump): a day plus 2 h.
    "dump": env.float("BACKUP_STALE_HOURS_DUMP", default=24 + 2),
}
# Where backups.watch reads pg_stat_archiver (a libpq conninfo, e.g. "host=... port=...
# user=... dbname=..."). Empty: the application's own database (the archiving cluster).
BACKUP_ARCHIVER_CONNINFO = env.str("BACKUP_ARCHIVER_CONNINFO", default="")
# Verification re-reads export copies made within this many days (older ones were
# checked while they were younger; pgBackRest's repository is verified whole).
BACKUP_VERIFY_EXPORT_DAYS = env.int("BACKUP_VERIFY_EXPORT_DAYS", default=8)

# --- workflows: repairs, transfers, notifications (issue 7) -------------------
# Largest accepted repair photo, in bytes (checked before Pillow reads it).
REPAIR_PHOTO_MAX_BYTES = env.int("REPAIR_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
# Transfers whose value (cost of the pieces) is above this need a manager's approval;
# at or below it the request is approved at once. 0 = every transfer needs approval.
TRANSFER_APPROVAL_THRESHOLD = Decimal(env.str("TRANSFER_APPROVAL_THRESHOLD", default="0") or "0")
# SMS provider: dotted path of a class of notifications.sms (the logging provider
# writes messages to the log; a real provider reads its own SMS_* variables).
SMS_PROVIDER = env.str("SMS_PROVIDER", default="notifications.sms.LoggingSmsProvider")
SMS_SENDER = env.str("SMS_SENDER", default="")
SMS_API_URL = env.str("SMS_API_URL", default="")
SMS_API_KEY = env.str("SMS_API_KEY", default="")
# Attempts for one customer message before it is marked failed.
NOTIFICATION_MAX_RETRIES = env.int("NOTIFICATION_MAX_RETRIES", default=3)
NOTIFICATION_RETRY_DELAY = env.int("NOTIFICATION_RETRY_DELAY", default=30)
# Overdue repair reminders (hourly task) go out only from this local hour on (0-23),
# so customers are not texted at night; each order at most once a day.
REPAIR_REMINDER_HOUR = env.int("REPAIR_REMINDER_HOUR", default=9)

# --- accounting (django-ledger, used only through accounting/) ---------------------------
DJANGO_LEDGER_USE_DEPRECATED_BEHAVIOR = False
# Account codes come from our jewelry chart (accounting/chart.py), not generated.
DJANGO_LEDGER_ACCOUNT_CODE_GENERATE = False
