"""Outlier's settings: one file, everything read from OUTLIER_* environment variables."""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in env_list(name):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {item!r} is not a CIDR network") from exc
    return networks


def _kept_secret(data_dir: Path, name: str, make: Callable[[], str]) -> str:
    """A secret generated once into the data dir (mode 0600) and read back afterwards."""
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


DATA_DIR = Path(env_str("OUTLIER_DATA_DIR", "./var")).resolve()
DEBUG = env_bool("OUTLIER_DEBUG", False)
SECRET_KEY = env_str("OUTLIER_SECRET_KEY") or _kept_secret(
    DATA_DIR, "secret_key", lambda: secrets.token_urlsafe(50)
)
# Fernet keys for secrets at rest (channel credentials): the first encrypts, all decrypt.
# Rotate by putting a new key first, then `outlier rotate-keys`, then dropping the old one.
ENCRYPTION_KEYS = env_list("OUTLIER_ENCRYPTION_KEYS") or [
    _kept_secret(DATA_DIR, "encryption_key", _fernet_key)
]
BIND = env_str("OUTLIER_BIND", "127.0.0.1:8000")
BASE_URL = env_str("OUTLIER_BASE_URL", f"http://{BIND}").rstrip("/")
_base = urlsplit(BASE_URL)
if _base.scheme not in {"http", "https"} or not _base.hostname:
    raise ImproperlyConfigured(
        f"OUTLIER_BASE_URL must be an absolute http(s) URL, got {BASE_URL!r}"
    )

ALLOWED_HOSTS = [_base.hostname, *env_list("OUTLIER_ALLOWED_HOSTS")]
if _base.hostname in {"127.0.0.1", "localhost", "::1"}:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "[::1]"]
if DEBUG:
    ALLOWED_HOSTS += ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

# The safe HTTP client may fetch these private networks anyway (tests, intranets).
ALLOWED_PRIVATE_NETWORKS = env_networks("OUTLIER_ALLOWED_PRIVATE_NETWORKS")
FETCH_MAX_BYTES = env_int("OUTLIER_FETCH_MAX_BYTES", 5 * 1024 * 1024)
FETCH_DEADLINE_SECONDS = env_int("OUTLIER_FETCH_DEADLINE", 20)

# outlier.core comes first: a template is taken from the first app that has it, and its
# templates (registration/ for log-in, password reset and invitations; 403, 404 and 500)
# must win over the admin's and auth's, which would show those pages in the admin's design.
INSTALLED_APPS = [
    "outlier.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_tasks",
    "django_tasks_db",
    # django-ninja's templates and static files: the API's docs page (/api/v1/docs) loads its
    # Swagger UI from /static/ninja/ rather than from a CDN, so it works without internet.
    "ninja",
    "outlier.links",
    "outlier.moderation",
    "outlier.curation",
    "outlier.publishing",
    "outlier.site",
    "outlier.federation",
    "outlier.sources",
    "outlier.digests",
    "outlier.inbox",
    "outlier.relationships",
    "outlier.analytics",
    "outlier.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "outlier.federation.negotiation.ActivityPubNegotiation",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "outlier.urls"
WSGI_APPLICATION = "outlier.wsgi.application"

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
                "outlier.core.context.outlier",
                "outlier.inbox.context.unread",
                "outlier.moderation.context.waiting",
                "outlier.relationships.context.talk_nudge",
            ],
        },
    },
]

DATABASE_URL = env_str("OUTLIER_DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("OUTLIER_CONN_MAX_AGE", 600), conn_health_checks=True
        )
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "outlier.sqlite3"),
            # Keep connections: opening one (and its PRAGMAs) costs more than a page lookup.
            "CONN_MAX_AGE": env_int("OUTLIER_CONN_MAX_AGE", 600),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA mmap_size=134217728;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
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
LOGIN_MAX_FAILURES = env_int("OUTLIER_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_SECONDS = env_int("OUTLIER_LOGIN_LOCKOUT_SECONDS", 900)
# Behind a reverse proxy, take the client address from the last X-Forwarded-For hop.
TRUST_X_FORWARDED_FOR = env_bool("OUTLIER_BEHIND_PROXY", False)

# Shared by every process (rate limits, page caches): the database, or Redis when scaled out.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "outlier_cache",
    }
}
if env_str("OUTLIER_REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("OUTLIER_REDIS_URL"),
    }

TASKS = {
    "default": {
        "BACKEND": env_str("OUTLIER_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# What `outlier worker` does (outlier/core/worker.py): every loop each due job, called with
# (worker_id, batch); every few seconds each sweep; then one queued task.
WORKER_DUE_JOBS = [
    "outlier.publishing.dispatch.run_due",
    "outlier.publishing.deletions.run_due",  # sent posts an editor takes down from the network
    "outlier.federation.dispatch.run_due",
    "outlier.analytics.pulls.run_due",
    "outlier.inbox.pulls.run_due",  # each channel's new replies, mentions…, every minute
    "outlier.inbox.pulls.run_pushed",  # what the fediverse pushed to a topic's inbox, at once
    "outlier.inbox.engage.run_due",  # likes and reposts done from the inbox
    "outlier.relationships.sync.run_due",  # the people behind the inbox's items, as contacts
    "outlier.relationships.followers.run_due",  # each channel's follower and followed lists
    "outlier.relationships.streams.run_due",  # listening streams: searches, lists, feeds
    "outlier.sources.polling.run_due",  # topics' feeds, each on its own interval
    "outlier.digests.sending.run_due",  # e-mail digests: confirmations, then digests due
    "outlier.sources.network_polling.run_due",  # accounts and keyword searches on networks
    "outlier.moderation.alerts.run_due",  # e-mail editors about texts waiting over 4 hours
]
WORKER_SWEEPS = [
    "outlier.publishing.dispatch.sweep_abandoned",
    "outlier.publishing.dispatch.reconcile",
    "outlier.publishing.dispatch.sweep_missed",
    "outlier.federation.dispatch.sweep",
    "outlier.analytics.pulls.schedule_pulls",
    "outlier.inbox.pulls.schedule",
    "outlier.inbox.responses.sweep",
    "outlier.inbox.actions.sweep_snoozed",
    "outlier.relationships.followers.schedule",
    "outlier.relationships.reminders.sweep",  # a daily e-mail of stay-in-touch reminders due
    "outlier.relationships.retention.sweep",  # others' texts blanked past a workspace's choice
    "outlier.analytics.rollups.sweep",
    "outlier.analytics.weekly.sweep",
    "outlier.analytics.actions.prune_webhook_events",
    "outlier.links.visitors.sweep_salts",
    "outlier.sources.websub.sweep",  # WebSub: leases renewed, unfollowed feeds unsubscribed
    "outlier.digests.sending.sweep",  # digests cut off while sending; unconfirmed addresses
]
# Networks provided by apps above `networks` (outlier/networks/registry.py), by dotted path the
# way the worker's jobs are: a topic's fediverse channel posts as the topic's ActivityPub actor.
NETWORK_ADAPTERS = {
    "fediverse": "outlier.federation.channel.TopicChannelAdapter",
}
# How often each channel's followers and engagement are read from its network, and for how many
# days after publishing a post's engagement keeps being read; its new interactions (the inbox)
# are read every INBOX_PULL_SECONDS.
INBOX_PULL_SECONDS = env_int("OUTLIER_INBOX_PULL_SECONDS", 60)
METRICS_PULL_SECONDS = env_int("OUTLIER_METRICS_PULL_SECONDS", 3600)
# How often each channel's follower and followed lists are read (outlier.relationships.followers).
FOLLOWERS_PULL_SECONDS = env_int("OUTLIER_FOLLOWERS_PULL_SECONDS", 3600)
# How often each listening stream reads its search, list or feed (outlier.relationships.streams).
STREAM_PULL_SECONDS = env_int("OUTLIER_STREAM_PULL_SECONDS", 300)
# Feeds (outlier.sources.polling): each is read between these intervals, by how busy it is;
# failures back off up to the last one. Bodies over FEED_MAX_BYTES (decompressed) are refused.
FEED_MIN_SECONDS = env_int("OUTLIER_FEED_MIN_SECONDS", 300)
FEED_MAX_SECONDS = env_int("OUTLIER_FEED_MAX_SECONDS", 6 * 3600)
FEED_ERROR_MAX_SECONDS = env_int("OUTLIER_FEED_ERROR_MAX_SECONDS", 24 * 3600)
FEED_MAX_BYTES = env_int("OUTLIER_FEED_MAX_BYTES", 10 * 1024 * 1024)
ENGAGEMENT_DAYS = env_int("OUTLIER_ENGAGEMENT_DAYS", 30)
# Reports: the rollup tables are brought up to date at most this often (outlier/analytics/rollups.py).
ROLLUP_SECONDS = env_int("OUTLIER_ROLLUP_SECONDS", 60)
# The query parameter that carries a click id to a link's target, read by the conversion script.
CLICK_ID_PARAM = env_str("OUTLIER_CLICK_ID_PARAM", "olr_click")
# Conversions reported by the script (/c/<key>): per client address and per key, per minute.
CONVERSION_RATE_PER_IP = env_int("OUTLIER_CONVERSION_RATE_PER_IP", 30)
CONVERSION_RATE_PER_KEY = env_int("OUTLIER_CONVERSION_RATE_PER_KEY", 600)
# The weekly report goes out on Monday from this hour (UTC) on, for the week before.
WEEKLY_REPORT_HOUR = env_int("OUTLIER_WEEKLY_REPORT_HOUR", 6)

# Tracked links (outlier/links/): the parameter that hands the click id to the target site;
# the operator's GeoLite2 database for click countries; how long each web process trusts
# what it read about a link (a disabled link stops redirecting within that many seconds);
# and the click buffer: a batch is written every OUTLIER_CLICK_FLUSH_MS or every
# OUTLIER_CLICK_BATCH clicks, whichever comes first (0 ms: only when asked, for tests).
if not CLICK_ID_PARAM or not all(
    ch.isascii() and (ch.isalnum() or ch in "_-") for ch in CLICK_ID_PARAM
):
    raise ImproperlyConfigured("OUTLIER_CLICK_ID_PARAM must be letters, digits, _ or -.")
GEOIP_DB = env_str("OUTLIER_GEOIP_DB")
LINK_CACHE_SECONDS = env_int("OUTLIER_LINK_CACHE_SECONDS", 5)
CLICK_BATCH = env_int("OUTLIER_CLICK_BATCH", 1000)
CLICK_FLUSH_MS = env_int("OUTLIER_CLICK_FLUSH_MS", 250)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# The largest video and audio file a post may carry (each network's own limit applies too).
MAX_VIDEO_BYTES = env_int("OUTLIER_MAX_VIDEO_BYTES", 40 * 1024 * 1024)
MAX_AUDIO_BYTES = env_int("OUTLIER_MAX_AUDIO_BYTES", 40 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_HOST = env_str("OUTLIER_SMTP_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("OUTLIER_SMTP_PORT", 587)
    EMAIL_HOST_USER = env_str("OUTLIER_SMTP_USER")
    EMAIL_HOST_PASSWORD = env_str("OUTLIER_SMTP_PASSWORD")
    EMAIL_USE_TLS = env_bool("OUTLIER_SMTP_STARTTLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("OUTLIER_SMTP_SSL", EMAIL_PORT == 465)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("OUTLIER_FROM_EMAIL", f"Outlier <outlier@{_base.hostname}>")

SECURE = _base.scheme == "https"
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("OUTLIER_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_HSTS_SECONDS = env_int("OUTLIER_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("OUTLIER_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
