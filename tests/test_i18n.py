"""Chinese and English, complete: every message translated, compiled, served by the browser's
language, and switchable on every page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
PO_FILES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}


def test_there_is_a_chinese_catalogue():
    assert LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po" in PO_FILES


def _msgfmt() -> str:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: install Debian's gettext (`make messages` does it when run as root)"
    return msgfmt


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(LOCALE)))
def test_every_message_is_translated_none_fuzzy_and_msgfmt_accepts_it(po, tmp_path):
    """gettext's own count: no untranslated and no fuzzy entry; --check refuses placeholders
    (%(name)s) that differ between English and Chinese."""
    result = subprocess.run(
        [_msgfmt(), "--check", "--statistics", "-o", str(tmp_path / "out.mo"), str(po)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C"},
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\d{3,} translated messages\.$", result.stderr.strip()), result.stderr


def test_compilemessages_works(tmp_path, settings, monkeypatch):
    """`make messages` runs compilemessages; it must work on the committed catalogue (a copy:
    the command also compiles ./locale, and a concurrent run may be reading the real one)."""
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy, ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [copy]
    monkeypatch.chdir(tmp_path)
    call_command("compilemessages", locale=["zh_Hans"], verbosity=0)
    assert (copy / "zh_Hans" / "LC_MESSAGES" / "django.mo").stat().st_size > 1000


def test_admin_labels_are_translated():
    from declarations.models import Declaration
    from family.models import Applicant
    from healthcode.models import HealthCode

    with translation.override("zh-hans"):
        assert str(HealthCode._meta.verbose_name) == "健康码"
        assert str(Applicant._meta.verbose_name) == "申领人"
        assert str(Declaration._meta.verbose_name_plural) == "申报"


@pytest.mark.django_db
def test_the_login_lockouts_admin_is_in_chinese(admin_client):
    """django-axes ships no Chinese: its section came out in English (healthcode/axes_labels.py)."""
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "登录锁定" in page and "登录尝试" in page
    for english in ("Axes", "Access attempts", "Access failures", "Access logs"):
        assert english not in page
    attempts = admin_client.get(reverse("admin:axes_accessattempt_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已锁定" in attempts.content.decode() and "Locked Out" not in attempts.content.decode()


@pytest.mark.django_db
def test_english_is_the_default(client):
    response = client.get(reverse("city", args=["410100"]))
    assert 'lang="en"' in response.text
    assert "Use Now" in response.text
    assert "立即使用" not in response.text


@pytest.mark.django_db
def test_the_browser_language_chooses_chinese(client):
    response = client.get(reverse("city", args=["410100"]), **ZH)
    assert 'lang="zh-hans"' in response.text
    assert "立即使用" in response.text
    assert "Use Now" not in response.text


@pytest.mark.django_db
def test_the_declaration_and_its_confirmation_in_chinese(client, citizen):
    from tests import factories

    client.force_login(citizen)
    page = client.get(reverse("declare"), **ZH)
    assert "健康申报" in page.text
    assert ">提交</button>" in page.text
    assert "本人承诺以上信息真实、完整。" in page.text
    # A mistake: the error messages are Chinese too.
    wrong = client.post(reverse("declare"), factories.post_data(temperature="45"), **ZH)
    assert "体温不高于 42.0 °C，请重新测量。" in wrong.text
    response = client.post(reverse("declare"), factories.post_data(), **ZH)
    confirm = client.get(response["Location"], **ZH)
    assert "确认提交" in confirm.text


@pytest.mark.django_db
def test_code_page_in_chinese(client, green_citizen):
    client.force_login(green_citizen)
    page = client.get(reverse("code-home"), follow=True, **ZH)
    assert "绿码" in page.text
    assert "切换申领人" in page.text
    assert "家人代领" in page.text


@pytest.mark.django_db
def test_the_switch_is_on_every_page_and_remembers_the_choice(client):
    home = client.get(reverse("home"))
    assert f'action="{reverse("set_language")}"' in home.text
    assert 'value="zh-hans"' in home.text and "简体中文" in home.text
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("cities")})
    assert response.status_code == 302
    assert response["Location"] == reverse("cities")
    # The choice outlives the browser's Accept-Language.
    cities = client.get(reverse("cities"), HTTP_ACCEPT_LANGUAGE="en")
    assert "选择您所在的城市" in cities.text
    assert 'aria-current="true">简体中文' in cities.text


@pytest.mark.django_db
def test_the_switch_keeps_the_page_and_refuses_other_sites(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
