"""Test settings: the real settings, plus the fast password hasher and eager tasks.

DATABASE_URL / REDIS_URL are honoured as in production (CI sets both: real Postgres and
Redis); the integration tests switch Celery to the real broker and start a worker.
"""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# One key directory for every test run (not a new temp dir per import): git-ignored.
os.environ.setdefault("HC_KEY_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test-keys"))

from healthcode.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic in tests
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
HC_SMS_BACKEND = "family.sms.locmem.LocmemBackend"  # text messages go to family.sms.outbox
