"""Bad input that every page meets alike (tests/bad_input.py): an id in the address that is no
id or no one's (404), a GET where only a POST does something (405), a POST without its CSRF
token (403, the expired-form page), the language switch, and the query string of every admin
list page, and every field of every admin add and change page. Never a server error."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from healthcode.models import User
from tests import factories
from tests.bad_input import ID_NOT_THERE, NOT_IDS, VALUES, post, rolled_back
from tests.client import Client

ID = re.compile(r"<id:(\w+)>")


def id_patterns(patterns=None, prefix: str = ""):
    """Every route of the site (not the admin's) with an id in its address, as text."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver) and not route.startswith("admin/"):
            yield from id_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and ID.search(route):
            yield pytest.param(route, id=pattern.name)


@pytest.mark.parametrize("route", list(id_patterns()))
def test_an_id_in_the_address_that_is_none_answers_404(client, green_citizen, route):
    client.force_login(green_citizen)
    for value in [*NOT_IDS, ID_NOT_THERE, "0"]:
        url = "/" + ID.sub(value, route)
        for method in (client.get, client.post):
            assert method(url).status_code in (404, 405), (method.__name__, url)


POST_ONLY = [
    ("inbox-read", []),
    ("family-paper-revoke", [1]),
    ("account-delete", []),
    ("checkpoint-verify", [1]),
    ("checkpoint-upload", [1]),
    ("checkpoint-purchase", [1, 1]),
    ("authority-count", []),
    ("api-verify", []),
    ("logout", []),
]


@pytest.mark.parametrize(("name", "args"), POST_ONLY, ids=[name for name, _args in POST_ONLY])
def test_a_get_where_only_a_post_does_something_answers_405(client, citizen, name, args):
    client.force_login(citizen)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 405 and "POST" in response["Allow"]


FORMS = [
    ("declare", []),
    ("family-add", []),
    ("inbox-read", []),
    ("account-delete", []),
    ("signup", []),
    ("login", []),
    ("set_language", []),
    ("logout", []),
]


@pytest.mark.parametrize(("name", "args"), FORMS, ids=[name for name, _args in FORMS])
def test_a_post_without_its_csrf_token_answers_403(db, citizen, name, args):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    response = post(client, reverse(name, args=args), {"username": "13800138000", "password": "x"})
    assert response.status_code == 403
    assert "expired" in response.content.decode().lower() or "CSRF" in response.content.decode()


def test_the_language_switch_takes_any_value(client, citizen):
    client.force_login(citizen)
    for value in VALUES:
        for data in ({"language": value, "next": value}, {"language": [value, "zh-hans"], "next": "/code/"}):
            response = post(client, reverse("set_language"), data)
            assert response.status_code in (200, 302), data
            if response.status_code == 302:  # never off the site
                location = urlsplit(response["Location"].replace("\\", "/"))
                assert not location.scheme and not location.netloc, data
    citizen.refresh_from_db()
    assert citizen.language in ("", "en", "zh-hans")


ADMIN_QUERIES = [
    *({"q": value} for value in VALUES if "\x00" not in value),
    {"q": "4101**********1234"},
    {"q": "138****0001"},
    {"o": "abc"},
    {"o": "99.-1.x"},
    {"p": ID_NOT_THERE + "9"},
    {"p": "-1"},
    {"all": "", "p": "abc"},
    {"e": "1"},
    {"_to_field": "username"},
    {"id__gt": "abc"},
    {"pk": "9" * 40},
    {"username__icontains": "1"},
    {"id_number__startswith": "4101"},
]


def admin_lists():
    for model in admin.site._registry:
        yield pytest.param(model, id=model._meta.label)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("auditor", "", "Sturdy-pass-2026")


@pytest.mark.parametrize("model", list(admin_lists()))
def test_no_query_string_of_an_admin_list_is_a_server_error(client, superuser, green_citizen, model):
    client.force_login(superuser)
    factories.member(green_citizen)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for query in ADMIN_QUERIES:
        response = client.get(url, query)
        # 302: Django's answer to a filter it cannot apply (the list again, ?e=1); 400: a field
        # the admin does not let the address name (_to_field).
        assert response.status_code in (200, 302, 400), (query, response.status_code)
        if response.status_code == 302:
            assert client.get(response["Location"]).status_code == 200, query


def form_fields(page) -> tuple[list[str], dict[str, str]]:
    """The names an admin's add or change page posts, its inlines' first row included, and the
    inlines' management data (one new row each)."""
    names = list(page.context["adminform"].form.fields)
    management = {}
    for inline in page.context.get("inline_admin_formsets", []):
        prefix = inline.formset.prefix
        management |= {f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"}
        names += [f"{prefix}-0-{name}" for name in inline.formset.form.base_fields]
    # A date and time field posts two parts: name_0, name_1.
    return [*names, *(f"{name}_{part}" for name in names for part in (0, 1))], management


@pytest.mark.parametrize("model", list(admin_lists()))
def test_no_value_in_an_admin_form_is_a_server_error(client, superuser, green_citizen, model):
    """Every field of every add and change page at once, each value of the list in turn: the
    form comes back with its messages (200) or the value is taken (302)."""
    client.force_login(superuser)
    factories.member(green_citizen)
    info = (model._meta.app_label, model._meta.model_name)
    pages = [reverse("admin:{}_{}_add".format(*info))]
    if (existing := model._default_manager.first()) is not None:
        pages.append(reverse("admin:{}_{}_change".format(*info), args=[existing.pk]))
    for url in pages:
        page = client.get(url)
        if page.status_code != 200 or "adminform" not in (page.context or {}):
            continue  # no adding here, or read-only for everyone
        names, management = form_fields(page)
        for value in VALUES:
            with rolled_back():
                response = post(client, url, {name: value for name in names} | management)
            assert response.status_code in (200, 302), (url, value[:40], response.status_code)
