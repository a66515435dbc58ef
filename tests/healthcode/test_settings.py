"""Configuration comes from the environment and fails loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from healthcode.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "p" * 20 + "roduction-secret-" + "k" * 40,
    "ALLOWED_HOSTS": "healthcode.example.org",
}


def _manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=60
    )


def test_production_configuration_passes_check_deploy_with_no_warnings(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION | {"HC_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_is_refused_in_production(tmp_path):
    env = {"DEBUG": "0", "HC_VAR_DIR": str(tmp_path)}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_bad_boolean_is_refused(tmp_path):
    result = _manage("check", env=PRODUCTION | {"DEBUG": "maybe", "HC_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 0, maximum=20) == 12
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    assert env_int("X_MISSING", 5) == 5
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 0)
    monkeypatch.setenv("X_INT", "99")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 0, maximum=60)


def test_a_fresh_clone_migrates_without_a_var_directory(tmp_path):
    """`make run` on a fresh clone: var/ does not exist yet, and SQLite must still open."""
    fresh = tmp_path / "not-yet"
    result = _manage("migrate", "--noinput", env={"DEBUG": "1", "HC_VAR_DIR": str(fresh), "DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr[-2000:]
    assert (fresh / "db.sqlite3").exists()


def test_production_cookies_are_https_only(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE])"
    )
    result = _manage("shell", "-c", code, env=PRODUCTION | {"HC_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[True, True, True]"


@pytest.mark.django_db
def test_every_cookie_is_httponly_and_samesite(client):
    from django.urls import reverse

    client.get(reverse("login"))  # the CSRF cookie
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    cookies = client.cookies
    assert {"csrftoken", "django_language"} <= set(cookies)
    for name in ("csrftoken", "django_language"):
        assert cookies[name]["httponly"] is True, name
        assert cookies[name]["samesite"] == "Lax", name
