"""A list page filtered by a date no query can hold (year 9999's next year, a 40-digit year, a
day of year 1 in Henan's time zone) answers with the list unfiltered and a message, never a
server error (healthcode/admin_filters.py): every admin with date links or a date filter, as a
superuser."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils import timezone

from healthcode.models import User

OUT_OF_RANGE = "The date in the address is out of range: the list is shown without filters."
YEARS = [
    ("9999",),  # the year after it does not exist
    ("9999", "12"),
    ("9999", "12", "31"),
    ("1", "1", "1"),  # 00:00 in Asia/Shanghai is year 0 in UTC (on SQLite: the compiled query)
    ("1" * 40,),
]
SINCE = ["0001-01-01", "0001-01-01 00:00:00", "9999-12-31 23:59:59"]


def date_paths(model_admin) -> list[tuple[str, bool]]:
    """(field path, is a date hierarchy) for each date the admin's list page filters by."""
    paths = [(model_admin.date_hierarchy, True)] if model_admin.date_hierarchy else []
    for entry in model_admin.list_filter:
        name = entry[0] if isinstance(entry, tuple) else entry
        if not isinstance(name, str):
            continue
        field = model_admin.model._meta.get_field(name.split("__")[0]) if "__" not in name else None
        if isinstance(field, models.DateField):  # DateTimeField too
            paths.append((name, False))
    return paths


def dated_admins():
    for model, model_admin in admin.site._registry.items():
        for path, hierarchy in date_paths(model_admin):
            kind = "links" if hierarchy else "filter"
            yield pytest.param(model, path, hierarchy, id=f"{model._meta.label}.{path}.{kind}")


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("auditor", "", "Sturdy-pass-2026"))
    return client


@pytest.mark.parametrize(("model", "path", "hierarchy"), list(dated_admins()))
def test_a_date_out_of_range_shows_the_list_unfiltered_with_a_message(superuser_client, model, path, hierarchy):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    queries = (
        [dict(zip([f"{path}__year", f"{path}__month", f"{path}__day"], parts, strict=False)) for parts in YEARS]
        if hierarchy
        else [{f"{path}__gte": since} for since in SINCE]
    )
    for query in queries:
        response = superuser_client.get(url, query)
        assert response.status_code in (200, 302), (query, response.status_code)
        if response.status_code == 302:  # Django's answer to filters it cannot apply: ?e=1
            assert superuser_client.get(response["Location"]).status_code == 200, query


@pytest.mark.parametrize("query", [{"created__year": "9999"}, {"created__year": "1" * 40}])
def test_the_reviewer_is_told_why_the_list_is_unfiltered(superuser_client, green_citizen, query):
    url = reverse("admin:declarations_declaration_changelist")
    page = superuser_client.get(url, query, follow=True)
    assert page.status_code == 200 and page.redirect_chain == [(f"{url}?e=1", 302)]
    assert OUT_OF_RANGE in page.content.decode() and page.context["cl"].result_count == 1


def test_there_are_date_links_and_date_filters_to_check():
    labelled = {param.id for param in dated_admins()}
    assert {
        "declarations.Declaration.created.links",
        "declarations.Declaration.created.filter",
        "declarations.CheckIn.day.links",
        "checkpoints.Scan.scanned_at.links",
    } <= labelled


def test_dates_in_range_still_filter(superuser_client, green_citizen):
    url = reverse("admin:declarations_declaration_changelist")
    this_year = superuser_client.get(url, {"created__year": str(timezone.localdate().year)})
    assert this_year.status_code == 200 and OUT_OF_RANGE not in this_year.content.decode()
    assert this_year.context["cl"].result_count == 1
    assert superuser_client.get(url, {"created__year": "2019"}).context["cl"].result_count == 0
