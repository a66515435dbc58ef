"""Helpful error pages in the mini-program's look, in both languages (issue 9, point 5)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from tests.client import Client

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


@pytest.mark.django_db
def test_404_in_the_shell(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    text = response.text
    assert 'class="mp-bar"' in text
    assert "This page does not exist" in text
    assert f'href="{reverse("home")}"' in text
    assert f'action="{reverse("set_language")}"' in text  # the language switch is there too


@pytest.mark.django_db
def test_404_in_chinese(client):
    response = client.get("/no/such/page/", **ZH)
    assert response.status_code == 404
    assert "您访问的页面不存在" in response.text
    assert 'lang="zh-hans"' in response.text


@pytest.mark.django_db
def test_another_persons_code_is_a_helpful_404(citizen_client, outsider):
    from family.services import self_applicant

    response = citizen_client.get(reverse("code", args=[self_applicant(outsider).pk]))
    assert response.status_code == 404
    assert "each account sees only its own people" in response.text


@pytest.mark.django_db
def test_csrf_failure_page(citizen):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    response = client.post(reverse("declare"), {}, **ZH)
    assert response.status_code == 403
    assert "表单无法提交" in response.text
    assert 'class="mp-bar"' in response.text


@pytest.mark.django_db
@pytest.mark.urls("tests.healthcode.error_urls")
def test_500_is_plain_and_in_both_languages():
    client = Client(raise_request_exception=False)
    response = client.get("/test/bug/")
    assert response.status_code == 500
    assert "抱歉，系统出错了" in response.text
    assert "Sorry, something went wrong" in response.text
    assert 'href="/static/css/app.css"' in response.text  # no template tag that could fail
    assert "Retry-After" not in response


@pytest.mark.django_db
@pytest.mark.urls("tests.healthcode.error_urls")
def test_a_database_that_does_not_answer_is_service_busy(caplog):
    client = Client(raise_request_exception=False)
    response = client.get("/test/busy/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "服务繁忙，请稍后再试" in response.text
    assert "The service is busy" in response.text
    assert 'http-equiv="refresh" content="30"' in response.text
    assert "service busy" in caplog.text


@pytest.mark.django_db
@pytest.mark.urls("tests.healthcode.error_urls")
def test_the_api_gets_json_when_busy():
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/test/busy/")
    assert response.status_code == 503
    assert response.json() == {
        "error": "service_busy",
        "message": "A backing service did not answer: send it again, with the same nonce, in 30 seconds.",
    }
    assert response["Retry-After"] == "30"


def test_locked_account_page_in_both_languages():
    from datetime import timedelta

    from django.utils import translation

    request = RequestFactory().get("/accounts/login/")
    request.user = AnonymousUser()
    context = {"failure_limit": 5, "username": "13800000001", "cooloff_timedelta": timedelta(minutes=30)}
    english = render_to_string("registration/locked.html", context, request=request)
    assert "Too many wrong passwords" in english
    assert "Try again in 30 minutes." in english
    with translation.override("zh-hans"):
        chinese = render_to_string("registration/locked.html", context, request=request)
    assert "密码错误次数过多" in chinese
    assert "请 30 分钟后再试。" in chinese
