"""Rollout settings, read from the environment (see the configuration table in README.md).

With no environment variables at all (and DJANGO_DEBUG on, as `make run` sets it) Rollout runs
embedded: SQLite under var/, Celery over kombu's filesystem transport under var/, email written to
files under var/mail/. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("ROLLOUT_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-3f9a1c")
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_ratelimit",
    "rollout",
    "rollout.directory",
    "rollout.connections",
    "rollout.people",
    # Single sign-on (see the block at the end of this file).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rollout.identity",
    # Two-step sign-in for password accounts: django-otp's TOTP and recovery-code devices.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "strategy",
    "incentives",
    "trust",
    "champions",
    "engage",
    "conversations",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag / If-None-Match on every GET: a client that already has a page or an API answer gets
    # a 304 without the body.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.otp_device: the device that verified this session's second step, if any.
    "django_otp.middleware.OTPMiddleware",
    "rollout.access.OrganizationMiddleware",
    # The person's language, else the organization's, else the browser's (after the organization).
    "rollout.i18n.LanguageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Two-step sign-in: a session that skipped the code, or must set up a second factor first.
    "rollout.identity.mfa_middleware.TwoStepMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-allauth (single sign-on): its flows need the request it keeps here.
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
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
                "rollout.context_processors.organization",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file: wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Redis is the cache and the broker. When it is down or hangs, neither may hold a web request for
# long: the broker's connecting and each reply give up after two seconds, the cache's sooner (below;
# docs/operations.md, "Failure drills").
REDIS_TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 2}

# The Redis cache is django-redis, because Django's own RedisCache has no option to survive an
# outage: with IGNORE_EXCEPTIONS a cache call that cannot reach Redis, times out, or is refused by
# a full Redis is logged (by the "django_redis.cache" logger) and answered as a miss, never an
# error page: the cache only saves work. A reply gets half a second, not the broker's two: a miss
# costs a recomputation, while a hung Redis costs this wait on every cache call of a page.
# https://github.com/jazzband/django-redis#memcached-exceptions-behavior
REDIS_CACHE_OPTIONS = {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": dict(REDIS_CACHE_OPTIONS),
        }
    }
else:
    # A file cache, so web, worker and beat processes share it (the portfolio's cached figures
    # and their data version must be the same in every process).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Rate limits (rollout/ratelimits.py, django-ratelimit) -------------------------------------
# Counters in their own cache: Redis when there is one (shared by every web process), else each
# process's memory. django-ratelimit refuses an unshared cache (check E003): in the embedded mode
# each gunicorn worker counts on its own, so a limit is as many times looser (docs/operations.md).
# https://django-ratelimit.readthedocs.io/en/stable/installation.html#create-or-use-a-compatible-cache
if REDIS_URL:
    CACHES["ratelimit"] = {**CACHES["default"], "KEY_PREFIX": "ratelimit"}
else:
    CACHES["ratelimit"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ratelimit",
    }
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
RATELIMIT_USE_CACHE = "ratelimit"
# When Redis cannot be reached the limits let requests through rather than lock everyone out of
# signing in; the login lockout (axes, in the database) still holds.
RATELIMIT_FAIL_OPEN = True
# "N/period" (s, m, h, d; "30/10m" is 30 per ten minutes), per client address unless said otherwise.
# Each can be changed with an environment variable RATE_LIMIT_<NAME>, e.g. RATE_LIMIT_LOGIN_CLIENT=60/10m.
RATE_LIMIT_DEFAULTS = {
    "password_reset_address": "3/h",  # reset emails asked for one address, from anywhere
    "password_reset_client": "20/h",  # reset requests from one client, whatever the addresses
    # Sign-in steps from one client across addresses (two per sign-in: email, then password). A
    # whole office behind one address shares it: raise it there; axes locks out per account anyway.
    "login_client": "100/10m",
    "invitation": "30/10m",  # invitation links that do not work (wrong or expired tokens)
    "pulse": "60/10m",  # pulse answer links that do not work
    "unsubscribe": "30/10m",  # unsubscribe links that do not work
    "token_failures": "20/10m",  # API and SCIM requests with a wrong token (a right one always passes)
    "employee_messages": "10/h",  # per person: messages to a champion, questions, reports
}
RATE_LIMITS = {
    name: env.str(f"RATE_LIMIT_{name.upper()}", default=rate) for name, rate in RATE_LIMIT_DEFAULTS.items()
}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600, **REDIS_TIMEOUTS}
else:
    # kombu's filesystem transport: producers write message files into a folder that
    # consumers read from, so web, worker and beat need no server. The host is not used; naming one
    # keeps kombu from warning "No hostname was supplied" whenever a task queues another.
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    for folder in ("queue", "control"):
        (CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing a task tries twice (the second attempt reconnects a pooled connection that went
# stale), then raises; rollout.tasks.enqueue_on_commit logs it and the periodic sweeps pick the
# work up. With REDIS_TIMEOUTS, a web request waits at most about four seconds on a dead broker.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "rollout.tasks.heartbeat", "schedule": 60.0},
    # Retention: each organization's old records go once a night (from 02:00 in its time zone).
    "apply-retention": {"task": "rollout.tasks.apply_retention", "schedule": 900.0},
    # The notifications outbox: one entry, in UTC; digests and reminders are scheduled inside it.
    "dispatch-notifications": {"task": "rollout.tasks.dispatch_notifications", "schedule": 60.0},
    # Outgoing webhooks: what is due (retries, what an emit's own task missed), and the questions
    # that went past their response target.
    "deliver-webhooks": {"task": "rollout.tasks.deliver_webhooks", "schedule": 60.0},
    "late-question-webhooks": {"task": "conversations.tasks.emit_late_question_webhooks", "schedule": 300.0},
    # Events whose processing task never reached the broker are picked up again.
    "incentives-events": {"task": "incentives.tasks.process_pending_events", "schedule": 120.0},
    # Activity imports whose task never reached a worker, or whose worker died, are sent again.
    "resume-activity-imports": {"task": "engage.tasks.resume_activity_imports", "schedule": 300.0},
    # HR file imports (people) likewise.
    "resume-people-imports": {"task": "rollout.directory.tasks.resume_people_imports", "schedule": 300.0},
    # Every rollout's figures computed afresh for the new day, and its health recorded.
    "snapshot-health": {"task": "rollout.tasks.snapshot_health", "schedule": crontab(hour=1, minute=30)},
    # Figures a write left out of date whose recomputation never reached a worker (rollout/figures.py).
    "recompute-out-of-date": {"task": "rollout.tasks.recompute_out_of_date", "schedule": 300.0},
    # Connections whose daily hour has come (rollout/connections): each is claimed, then pulled.
    "run-due-connections": {"task": "rollout.connections.tasks.run_due_connections", "schedule": 300.0},
    "resend-unsent-invitations": {
        "task": "rollout.tasks.send_pending_invitations",
        "schedule": crontab(minute="*/5"),
    },
}
# /healthz turns red when the worker's last heartbeat is older than this.
HEARTBEAT_MAX_AGE_SECONDS = env.int("HEARTBEAT_MAX_AGE_SECONDS", default=180)

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "rollout.User"
# django-axes first: it refuses a locked-out login before the password is even checked. It needs
# the request, which Django's login form passes to authenticate().
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on: the backend allauth logs people in with after their provider vouched for them.
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)

# --- Email ------------------------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# A hanging SMTP server must not hold a worker forever; the task retries instead.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rollout <rollout@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Connectors (docs/connectors.md) ---------------------------------------------------------
# Microsoft's sign-in and Graph hosts. Only a national cloud (or the suite's local fake Graph)
# changes them; the connector code is the same everywhere.
GRAPH_LOGIN_URL = env.str("GRAPH_LOGIN_URL", default="https://login.microsoftonline.com").rstrip("/")
GRAPH_API_URL = env.str("GRAPH_API_URL", default="https://graph.microsoft.com").rstrip("/")
# The Viva Engage REST API (conversations of the communities a rollout names, docs/connectors.md).
VIVA_ENGAGE_API_URL = env.str("VIVA_ENGAGE_API_URL", default="https://api.yammer.com/api/v1/")
# Seconds a single request to a connected service may take before the run fails and is retried.
CONNECTOR_TIMEOUT = env.int("CONNECTOR_TIMEOUT", default=60)
# Seconds an outgoing webhook waits for its receiver's answer (rollout/webhooks.py).
WEBHOOK_TIMEOUT = env.int("WEBHOOK_TIMEOUT", default=10)
# An admin's webhook URL may not reach the network Rollout runs in (loopback, private, link-local
# addresses: the database, the cloud's metadata service). Turn on only for receivers on a private network.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The languages of Rollout's pages and emails (docs/international.md tells how to add one). A
# person's setting comes first, then their organization's default, then the browser's
# Accept-Language (rollout/i18n.py).
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# --- Engage imports ------------------------------------------------------------------------------
# Uploads larger than this are refused with a message; files above the inline size are checked by
# a worker instead of in the request. Uploaded files live under MEDIA_ROOT/imports/, which web and
# worker must share.
ENGAGE_MAX_UPLOAD_MB = env.int("ENGAGE_MAX_UPLOAD_MB", default=50)
ENGAGE_INLINE_CHECK_KB = env.int("ENGAGE_INLINE_CHECK_KB", default=512)
# An import RUNNING this long is taken to have lost its worker (killed mid-import: its transaction
# rolled back, nothing was written): the resume sweep sends it again and a worker takes it over,
# unless it is in fact still running. Fractions are allowed (the failure drill uses seconds).
ENGAGE_IMPORT_STALE_MINUTES = env.float("ENGAGE_IMPORT_STALE_MINUTES", default=30)

# --- Slack connector (docs/connectors.md) --------------------------------------------------------
# Slack's Web API. Only the tests change it, to a local fake of the API.
SLACK_API_URL = env.str("SLACK_API_URL", default="https://slack.com/api/")

# --- API (docs/api.md) --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rollout.api.authentication.TokenAuthentication",
        "rollout.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rollout.api.permissions.RolePermission"],
    # JSON bodies only (activity imports read multipart files): what the schema documents is
    # what is parsed, so a form-encoded null never reaches a serializer as the text "null".
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "rollout.api.filters.BoundedFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["rollout.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("API_RATE_LIMIT", default="600/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rollout.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rollout API",
    "DESCRIPTION": "Read and feed Rollout: rollouts, success metrics, champions and support sessions, "
    "reviews and KPI results, the notifications outbox, health. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI and Redoc are served from static/ (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every error answer, in its one shape, on every operation that can give it (docs/api.md).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rollout.api.schema.add_error_responses",
    ],
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security ---------------------------------------------------------------------------------
# On by default outside DEBUG so that `manage.py check --deploy` is clean; a deployment behind a
# TLS-terminating proxy sets SECURE_PROXY_SSL_HEADER through DJANGO_SECURE_PROXY_SSL_HEADER=1.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# Sessions live in the database alone, not "cached_db": a logout or an expiry is final whatever
# the cache does (docs/architecture.md, "Access scoping").
# https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-database-backed-sessions
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp). No inline script anywhere: page behaviour lives in
# static/js/ and is wired through data attributes. Styles allow 'unsafe-inline' because a few
# templates draw bars with computed widths (style="width: 40%"); style injection cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Login brute-force protection (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# email from one address, that pair is refused until AXES_COOLOFF_MINUTES have passed.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60  # hours, as axes counts
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_USERNAME_FORM_FIELD = "username"
# The client's address (for lockouts and the audit trail): REMOTE_ADDR, or behind
# DJANGO_PROXY_COUNT reverse proxies the entry that many places from the right of
# X-Forwarded-For, the one the outermost trusted proxy wrote (entries left of it can be forged).
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "rollout.audit.client_ip"

# Request and upload limits. A request body without files may hold 2.5 MB; an uploaded file above
# 2.5 MB is spooled to a temporary file rather than kept in memory. Each upload form checks its
# own maximum and the file's content (badge images: BADGE_IMAGE_MAX_BYTES, a real PNG/JPEG/WebP).
# The reverse proxy's body limit should match the largest upload (docs/operations.md).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
BADGE_IMAGE_MAX_BYTES = 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Single sign-on (rollout/identity) ---------------------------------------------------------
# django-allauth runs OpenID Connect for each organization's provider (docs/identity.md). Providers
# live in rollout.identity's own table, handed to allauth by the adapter's list_apps(); allauth's
# SocialApp table stays empty. Only its two OpenID Connect URLs are mounted (rollout/identity/
# urls.py): login, signup and password reset stay Rollout's own.
# https://docs.allauth.org/en/latest/socialaccount/configuration.html
ACCOUNT_ADAPTER = "rollout.identity.adapter.AccountAdapter"  # plain signup closed
SOCIALACCOUNT_ADAPTER = "rollout.identity.adapter.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
# The provider's verified email is the proof (rollout/identity/signin.py); allauth sends no mail.
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_AUTO_SIGNUP = True
# Linking an existing account by email is the adapter's decision (verified email only), not allauth's.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# Fernet keys for secrets stored at rest (rollout/secrets.py), newest first; docs/operations.md.
ROLLOUT_ENCRYPTION_KEYS = env.list("ROLLOUT_ENCRYPTION_KEYS", default=[])
# Without keys, `make run` (DEBUG) and the test suite (config/test_settings.py) use a key derived
# from SECRET_KEY; anywhere else storing or reading a secret raises ImproperlyConfigured.
ROLLOUT_ENCRYPTION_DERIVED_KEY = DEBUG

# SCIM (rollout/directory) -------------------------------------------------------------------
# SCIM 2.0 provisioning at /scim/v2/ (django-scim2; docs/identity.md, "Provisioning with SCIM 2.0").
# Each setting names Rollout's part: a SCIM user is a person's membership of the bearer token's
# organization, a group one of its units. https://django-scim2.readthedocs.io/
SCIM_SERVICE_PROVIDER = {
    "NETLOC": SITE_URL.split("://", 1)[-1],
    "BASE_LOCATION_GETTER": "rollout.directory.scim_filters.base_location",
    "AUTH_CHECK_MIDDLEWARE": "rollout.directory.scim_auth.BearerTokenCheck",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A SCIM token made by an admin in Settings → Directory (SCIM).",
            "primary": True,
        }
    ],
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="Rollout SCIM"',
    "USER_MODEL_GETTER": "rollout.directory.scim_filters.person_model",
    "USER_ADAPTER": "rollout.directory.scim_adapters.PersonAdapter",
    "USER_FILTER_PARSER": "rollout.directory.scim_filters.PersonFilterQuery",
    "GROUP_MODEL": "rollout.directory.models.ScimGroup",
    "GROUP_ADAPTER": "rollout.directory.scim_adapters.GroupAdapter",
    "GROUP_FILTER_PARSER": "rollout.directory.scim_filters.GroupFilterQuery",
    "SERVICE_PROVIDER_CONFIG_MODEL": "rollout.directory.scim_adapters.ServiceProviderConfig",
    "SCHEMAS_GETTER": "rollout.directory.scim_schemas.schemas",
    "GET_EXTRA_MODEL_FILTER_KWARGS_GETTER": "rollout.directory.scim_filters.extra_filter_kwargs_getter",
    "GET_QUERYSET_POST_PROCESSOR_GETTER": "rollout.directory.scim_filters.queryset_post_processor_getter",
}

# --- Two-step sign-in (rollout/identity/mfa*.py) -----------------------------------------------
# Password accounts may add a TOTP authenticator app and ten recovery codes (django-otp; see
# docs/identity.md, "Two-step sign-in"). https://django-otp-official.readthedocs.io/
OTP_TOTP_ISSUER = "Rollout"  # the account's name in the authenticator app: "Rollout: <email>"
# The Django admin lists devices without their keys or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Between a correct password and the code, the person is not signed in: the login page keeps who
# they are in the session for this many seconds.
TWO_STEP_PENDING_SECONDS = 300
# Wrong codes count towards django-axes' lockout like wrong passwords; axes keeps the POST data of
# failed attempts, so the code is blanked there like the password.
AXES_SENSITIVE_PARAMETERS = ["code"]
