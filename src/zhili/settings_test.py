"""Settings for the test suite: SQLite in memory, or PostgreSQL from ZHILI_TEST_DATABASE_URL."""

import os
import tempfile

os.environ.setdefault("ZHILI_HOME", tempfile.mkdtemp(prefix="zhili-test-"))

from zhili import home as _zhome  # noqa: E402
from zhili.settings import *  # noqa: E402,F403

if os.environ.get("ZHILI_TEST_DATABASE_URL"):
    DATABASES = {"default": _zhome.parse_database_url(os.environ["ZHILI_TEST_DATABASE_URL"])}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES = {"default": _zhome.sqlite_database(HOME / "test.sqlite3")}  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(HOME / "test-db.sqlite3")}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
DEBUG = False
ALLOWED_HOSTS = ["*"]

# the tests of other features log administrators in without an authenticator app; tests/test_otp.py
# turns two-step verification on
ZHILI_OTP_REQUIRED_ROLES = ()
ZHILI_OTP_REQUIRE_SUPERUSERS = False

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
