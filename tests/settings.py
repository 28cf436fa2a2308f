"""Settings for the test suite: the project's own, with a throwaway data dir and fast hashing."""

import os
import tempfile

os.environ.setdefault("OUTLIER_DATA_DIR", tempfile.mkdtemp(prefix="outlier-test-"))
os.environ.setdefault("OUTLIER_SECRET_KEY", "outlier-test-secret-key-not-for-production-use")
os.environ.setdefault("OUTLIER_BASE_URL", "http://testserver")

from outlier.settings import *  # noqa: E402,F403
from outlier.settings import ALLOWED_HOSTS, DATA_DIR, DATABASES, STATIC_ROOT  # noqa: E402

STATIC_ROOT.mkdir(parents=True, exist_ok=True)

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "127.0.0.1", "localhost"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Processes started by the tests (the fault-injection harness, tests/publishing/fault_harness.py)
# must reach the test database: SQLite's is a file in the data dir rather than in memory, and a
# process started with OUTLIER_TEST_DATABASE_NAME (pytest-django's test_<name>, or that file)
# uses it as its database.
if os.environ.get("OUTLIER_TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["OUTLIER_TEST_DATABASE_NAME"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
