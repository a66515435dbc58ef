"""Health Code settings: one file, every value from the environment (after healthchecks).

Nothing set: a SQLite file and Celery tasks run eagerly in-process (after pretix), so a
newcomer needs no server. DATABASE_URL / REDIS_URL switch to Postgres and real workers.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from healthcode import priorities
from healthcode.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HC_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET = "insecure-development-key-only-for-DEBUG-mode-never-in-production-0123456789"  # noqa: S105 (refused when DEBUG is off)
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("SECRET_KEY is the development key; set a real one")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "healthcode.admin_selection.AdminConfig",  # django.contrib.admin, its actions hardened
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "healthcode.axes_labels.AxesConfig",  # django-axes, its labels in Chinese too
    "healthcode",
    "family",
    "declarations",
    "checkpoints",
    "authority",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "healthcode.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "healthcode.middleware.PrivateResponsesMiddleware",
    "healthcode.middleware.StaffIdleTimeoutMiddleware",
    "healthcode.loginlimit.LoginPauseMiddleware",
    "axes.middleware.AxesMiddleware",
]

# The machine routes (a turnstile's Bearer key and JSON: no cookie, session, CSRF or HTML) are
# answered through this short chain instead (healthcode/handlers.py): the same security headers,
# HTTPS redirect, NUL refusal, host check and language as the site, and none of the rest.
HC_SHORT_CHAIN_PATHS = ("/api/v1/verify",)
HC_SHORT_CHAIN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "healthcode.middleware.RejectNulBytesMiddleware",
    "healthcode.middleware.AcceptLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
]

# /healthz: a load balancer polls each instance at its own address, and many (AWS's, for one)
# cannot choose the Host header they send, so the host check would answer them 400 "bad
# request" for a healthy instance. The probe's answer is the same whatever the host and builds
# no URL from it (what the host check protects), so it is answered before the host is read:
# security headers and NUL refusal only (healthcode/handlers.py).
HC_PROBE_PATHS = ("/healthz",)
HC_PROBE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",  # /healthz is exempt from its redirect
    "healthcode.middleware.RejectNulBytesMiddleware",
]

ROOT_URLCONF = "healthcode.urls"
WSGI_APPLICATION = "healthcode.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.tz",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # `{% url %}` with its answers remembered (healthcode/templatetags/cached_url.py).
            "builtins": ["healthcode.templatetags.cached_url"],
        },
    },
    {
        # The code page only (healthcode/jinja.py says why); rendered with using="jinja2".
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "healthcode.jinja.environment",
            "autoescape": True,
            "context_processors": ["healthcode.jinja.page_context"],
        },
    },
]

# Database: SQLite by default, anything dj-database-url understands by DATABASE_URL.
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
            # A persistent connection is checked before its first use in each request: a
            # look at its socket, and a SELECT 1 only when the server has spoken (see below);
            # 0 skips even the look.
            conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with a health check that sends nothing while the socket is quiet
        # (healthcode/db/postgresql/base.py says why that is enough).
        DATABASES["default"]["ENGINE"] = "healthcode.db.postgresql"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The hottest statements prepared on the server once per connection (Postgres only; off behind
# a pooler in transaction mode: healthcode/db/postgresql/statements.py).
HC_DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)

AUTH_USER_MODEL = "healthcode.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses while locked, even the right password
    "healthcode.backends.ModelBackend",  # Django's, compiled once; refuses inactive accounts, ending their sessions
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ("alipay",)
CRISPY_TEMPLATE_PACK = "alipay"

# Security: safe by default; `manage.py check --deploy` is clean with DEBUG off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# A load balancer polls /healthz over plain HTTP on the instance itself, without the proxy's
# X-Forwarded-Proto: a redirect to https would read as "unhealthy" (it carries nothing private).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind exactly one proxy (BEHIND_PROXY=1): its X-Forwarded-Proto says the scheme, and the
# last address of its X-Forwarded-For the client's (healthcode.security.client_ip).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads a cookie (forms carry the CSRF token in a hidden field): every cookie is
# HttpOnly, SameSite and, in production, HTTPS-only, the language choice's too.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# axes.W006 asks for "ip_address" among AXES_LOCKOUT_PARAMETERS: the address has its own,
# higher limit (healthcode/loginlimit.py), since many phones share one.
SILENCED_SYSTEM_CHECKS += ["axes.W006"]
# Staff (reviewers, the authority) are signed out after this many idle seconds.
HC_STAFF_IDLE_SECONDS = env_int("HC_STAFF_IDLE_SECONDS", 15 * 60, minimum=60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=300)

# Content Security Policy (django-csp): no inline script or style anywhere, nothing from
# other origins; pages may not be framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login lockout (django-axes): 5 failures per mobile number lock it for 30 minutes; while
# locked even the right password is refused. Per client address the limit is 50 in the same
# window (healthcode/loginlimit.py): many phones share one address behind a carrier's NAT.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
HC_LOGIN_FAILURES_PER_ADDRESS = env_int("HC_LOGIN_FAILURES_PER_ADDRESS", 50, minimum=1)
AXES_USERNAME_CALLABLE = "healthcode.security.login_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
# The address counted is the client's, not the proxy's: django-ipware is not installed, and
# without it axes counts REMOTE_ADDR, which behind a proxy is the proxy's for every phone in
# the city (five typos anywhere locked every login out for 30 minutes).
AXES_CLIENT_IP_CALLABLE = "healthcode.security.client_ip"
# No row per successful login (username, address, browser) kept for ever: nothing reads them.
AXES_DISABLE_ACCESS_LOG = True

# Celery: eager in-process without a broker (after pretix), real workers with REDIS_URL.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", REDIS_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# Celery's Django fixup closes the worker's database connection around every task unless this
# is set: then it closes it only every this many tasks. Connections in a worker follow
# DB_CONN_MAX_AGE instead, closed before and after each task as Django does around a request
# (healthcode/celery.py); the reconnect per task cost more than the review (bench/README.md).
# 0 brings back Celery's close around every task.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000, minimum=0)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 4, minimum=1)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "healthcode")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Reviews before notifications before chores when a queue builds (healthcode/priorities.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "priority_steps": list(priorities.STEPS),
    "sep": priorities.SEPARATOR,
}
CELERY_TIMEZONE = TIME_ZONE

# Cache: Redis when REDIS_URL is set (shared by every process: the gate API's rate limits),
# local memory otherwise.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "healthcode.cache.RedisCache",  # Django's, one client per pool
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "hc"),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "healthcode"}}
# Sessions: read from Redis, written through to the database (healthcode/sessions.py), so the
# code page's session costs no query. Without Redis each process would have its own cache and
# could serve a session another process ended: the database alone then.
SESSION_ENGINE = "healthcode.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"

# Checkpoints: how long the scan log is kept (contact tracing needs 14 days plus margin), and
# how many gate API requests one venue key may make per minute.
HC_SCAN_RETENTION_DAYS = env_int("HC_SCAN_RETENTION_DAYS", 28, minimum=1, maximum=366)
HC_GATE_RATE_PER_MINUTE = env_int("HC_GATE_RATE_PER_MINUTE", 1200, minimum=1)

# Background review (declarations/services): the beat schedule and its knobs.
# Minutes after midnight (Asia/Shanghai) at which yesterday's check-ins are counted.
HC_CHECKIN_CLOSE_MINUTE = env_int("HC_CHECKIN_CLOSE_MINUTE", 10, minimum=0, maximum=59)
# A declaration still "confirmed" (not reviewed) this many minutes after confirmation is
# re-enqueued; so is the re-assessment after a health event, or the re-review after a risk
# area is added or raised (from when it comes into force), still not run this long after.
HC_SWEEP_AFTER_MINUTES = env_int("HC_SWEEP_AFTER_MINUTES", 5, minimum=1)
HC_SWEEP_EVERY_SECONDS = env_int("HC_SWEEP_EVERY_SECONDS", 60, minimum=5)
# Each process reads the risk areas in force at most this often (seconds; 0: on every review);
# an area saved reaches another process's reviews this long after, and its re-review waits for
# that (declarations/services/areas.py).
HC_AREA_REFRESH_SECONDS = env_int("HC_AREA_REFRESH_SECONDS", 2, minimum=0, maximum=60)
# Each process reads the city list (reference data) at most this often (healthcode/cities.py).
HC_CITY_REFRESH_SECONDS = env_int("HC_CITY_REFRESH_SECONDS", 300, minimum=0, maximum=86400)
# Turns of the machine's review that may run at once (declarations/services/backlog.py): each
# takes the confirmed declarations whose id leaves its number divided by this. Fewer than the
# Celery worker's processes (Procfile: --concurrency 4): a turn lingers while people declare,
# and the SMS sender, tracing and the sweeps need a process meanwhile.
HC_REVIEW_TURNS = env_int("HC_REVIEW_TURNS", 2, minimum=1, maximum=64)
# Milliseconds a turn whose look finds nothing waits, once, before it looks again and gives
# the turn back (at most that much added to a review's wait; meanwhile confirmations find the
# turn taken and send no message).
HC_REVIEW_LINGER_MS = env_int("HC_REVIEW_LINGER_MS", 50, minimum=0, maximum=1000)
# Milliseconds a turn whose look found some declarations, but not a full look, waits before
# its next look: the declarations confirmed meanwhile are reviewed together in that look, at
# a fraction of the cost of reviewing each in a look of its own (bench/README.md, session 15).
HC_REVIEW_PACE_MS = env_int("HC_REVIEW_PACE_MS", 50, minimum=0, maximum=1000)
# After this many sweeps a declaration goes to the manual review queue instead of looping.
HC_SWEEP_MAX = env_int("HC_SWEEP_MAX", 5, minimum=1)
HC_APPEAL_IMAGE_MAX_BYTES = env_int("HC_APPEAL_IMAGE_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
# Contact tracing (checkpoints.services.tracing): a confirmed or suspected case's scans of the
# past HC_TRACE_DAYS days are matched with everyone else's at the same venue within
# ±HC_TRACE_WINDOW_MINUTES; beat traces any case the on-commit task missed.
HC_TRACE_WINDOW_MINUTES = env_int("HC_TRACE_WINDOW_MINUTES", 120, minimum=1, maximum=24 * 60)
HC_TRACE_DAYS = env_int("HC_TRACE_DAYS", 14, minimum=1, maximum=HC_SCAN_RETENTION_DAYS)
HC_TRACE_SWEEP_SECONDS = env_int("HC_TRACE_SWEEP_SECONDS", 60, minimum=5)
# Notifications (family.services.inbox): every colour change becomes an inbox message and an
# SMS, through the backend named here (console: the log, with the number masked; locmem: a
# list, for tests; or a real gateway's class). The message is written with the change; one
# sender task at a time sends the waiting SMS in batches; beat retries what the gateway refused.
HC_SMS_BACKEND = env_str("HC_SMS_BACKEND", "family.sms.console.ConsoleBackend")
HC_SMS_MAX_ATTEMPTS = env_int("HC_SMS_MAX_ATTEMPTS", 5, minimum=1)
HC_NOTIFY_SWEEP_SECONDS = env_int("HC_NOTIFY_SWEEP_SECONDS", 30, minimum=5)
# Background work that follows a committed fact (healthcode/hooks.py): the lower app names
# the fact, this top layer names the tasks (each has a beat sweep above for what is missed),
# and the functions that write in the fact's own transaction.
# Functions the Jinja2 pages call by name (healthcode/jinja.py), wired here as the hooks are:
# family's code page shows declarations' review panel without importing it.
HC_JINJA_GLOBALS = {
    "review_panel": "declarations.jinja.review_panel",
    "awaits_reviewer": "declarations.jinja.awaits_reviewer",
}
HC_HOOKS = {
    "case_recorded": ["checkpoints.tasks.trace_case"],  # sweep: trace-untraced-cases
}
HC_SAME_TRANSACTION = {
    # The inbox message (its SMS sent by family.tasks.send_waiting_sms; sweep: dispatch-notifications).
    "colour_changed": ["family.services.inbox.deliver_with_change"],
    # A colour's minimum duration moved later for a reason the person was not told
    # (healthcode.services.change_colour): its inbox message, its SMS sent the same way.
    "period_extended": ["family.services.inbox.deliver_with_extension"],
}
# The health authority's dashboard reads daily figures counted this often (authority/services/figures.py).
HC_DASHBOARD_EVERY_MINUTES = env_int("HC_DASHBOARD_EVERY_MINUTES", 10, minimum=1, maximum=60)
CELERY_BEAT_SCHEDULE = {
    "count-dashboard-figures": {
        "task": "authority.tasks.count_figures",
        "schedule": float(HC_DASHBOARD_EVERY_MINUTES * 60),
    },
    "close-checkin-days": {
        "task": "declarations.tasks.close_checkin_days",
        "schedule": crontab(hour=0, minute=HC_CHECKIN_CLOSE_MINUTE),
    },
    "sweep-stuck-declarations": {
        "task": "declarations.tasks.sweep_stuck_declarations",
        "schedule": float(HC_SWEEP_EVERY_SECONDS),
    },
    "wake-review-turns": {
        "task": "declarations.tasks.wake_review_turns",
        "schedule": float(HC_SWEEP_EVERY_SECONDS),
    },
    "sweep-unassessed-events": {
        "task": "declarations.tasks.sweep_unassessed_events",
        "schedule": float(HC_SWEEP_EVERY_SECONDS),
    },
    "sweep-unreviewed-risk-areas": {
        "task": "declarations.tasks.sweep_unreviewed_risk_areas",
        "schedule": float(HC_SWEEP_EVERY_SECONDS),
    },
    "purge-old-scans": {
        "task": "checkpoints.tasks.purge_old_scans",
        "schedule": crontab(hour=3, minute=30),
    },
    "trace-untraced-cases": {
        "task": "checkpoints.tasks.trace_untraced_cases",
        "schedule": float(HC_TRACE_SWEEP_SECONDS),
    },
    "dispatch-notifications": {
        "task": "family.tasks.dispatch_notifications",
        "schedule": float(HC_NOTIFY_SWEEP_SECONDS),
    },
}

# Uploads (appeal images) are personal data: stored under var/, never served by URL; the
# admin streams them to reviewers of the person's city.
MEDIA_ROOT = Path(env_str("HC_MEDIA_DIR", str(VAR_DIR / "media")))

# Health code tokens (DESIGN.md, "The token in the QR").
HC_KEY_DIR = Path(env_str("HC_KEY_DIR", str(VAR_DIR / "keys")))
HC_SIGNING_KEY = env_str("HC_SIGNING_KEY")  # base64 of a raw 32-byte Ed25519 private key
HC_DATA_KEY = env_str("HC_DATA_KEY")  # base64 of 64 random bytes: encrypts ID and mobile numbers
HC_RETIRED_KEYS = env_list("HC_RETIRED_KEYS", [])  # base64 public keys still accepted (overlap)
HC_REVOKED_KEY_IDS = env_list("HC_REVOKED_KEY_IDS", [])  # key ids never accepted again
HC_TOKEN_LIFETIME = env_int("HC_TOKEN_LIFETIME", 60, minimum=10, maximum=60)
HC_TOKEN_CLOCK_SKEW = env_int("HC_TOKEN_CLOCK_SKEW", 30, minimum=0, maximum=60)
HC_PAPER_CODE_DAYS = env_int("HC_PAPER_CODE_DAYS", 30, minimum=1, maximum=366)

# One handler, every mobile and ID number masked in what it writes (healthcode/logmask.py).
# Django's own loggers write through it too: its defaults give "django" a console handler of its
# own (with DEBUG) and runserver's "django.server" another, which would write unmasked.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_numbers": {"()": "healthcode.logmask.MaskNumbers"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_numbers"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
