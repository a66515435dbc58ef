"""This process's copy of the city list (healthcode/cities.py) as the declaration form uses it:
no query per POST, a city saved here seen at once, one changed elsewhere after the refresh
period, an unknown key asked of the database and refused as before."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from declarations.forms import DeclarationForm
from healthcode import cities
from healthcode.models import City
from tests import factories


@pytest.fixture
def clock(settings, monkeypatch):
    """The copy kept 300 s, with a controlled clock (`clock[0]` seconds), read afresh."""
    settings.HC_CITY_REFRESH_SECONDS = 300
    moment = [1000.0]
    monkeypatch.setattr(cities, "clock", lambda: moment[0])
    cities.forget()
    yield moment
    cities.forget()  # the copy read here (in a rolled-back transaction) is not left to other tests


def _form(user, city_pk, data=None) -> DeclarationForm:
    data = dict(data or factories.post_data())
    data["city"] = str(city_pk)
    return DeclarationForm(data, user=user, applicant=None)


def _city_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "healthcode_city" in q["sql"]]


def test_the_form_chooses_its_city_without_a_query_once_the_list_is_read(citizen, clock):
    zhengzhou = City.objects.get(code="410100")
    form = _form(citizen, zhengzhou.pk)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["city"].pk == zhengzhou.pk
    data = factories.post_data()
    with CaptureQueriesContext(connection) as captured:
        form = _form(citizen, zhengzhou.pk, data)
        assert form.is_valid(), form.errors
    assert form.cleaned_data["city"] == zhengzhou
    assert _city_queries(captured.captured_queries) == []


def test_a_city_saved_in_this_process_is_chosen_at_once(citizen, clock, django_capture_on_commit_callbacks):
    zhengzhou = City.objects.get(code="410100")
    assert cities.city_by_pk(str(zhengzhou.pk)) is not None  # the copy is read
    with django_capture_on_commit_callbacks(execute=True):
        added = City.objects.create(code="419901", name_zh="测试市", name_en="Testcity")
        zhengzhou.name_en = "Renamed here"
        zhengzhou.save()
    form = _form(citizen, added.pk)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["city"].name_en == "Testcity"
    assert cities.city_by_pk(str(zhengzhou.pk)).name_en == "Renamed here"  # read again after the commit


def test_a_city_saved_and_rolled_back_is_not_kept(citizen, clock, django_capture_on_commit_callbacks):
    assert cities.city_by_pk("0") is None  # the copy is read
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            phantom = City.objects.create(code="419903", name_zh="幻市", name_en="Phantom")
            assert cities.city_by_pk(str(phantom.pk)) is None  # the copy is the committed list
            raise RuntimeError
    assert cities.city_by_pk(str(phantom.pk)) is None
    form = _form(citizen, phantom.pk)
    assert not form.is_valid() and "city" in form.errors


def test_a_rename_elsewhere_reaches_the_copy_after_the_refresh_period(db, clock):
    zhengzhou = City.objects.get(code="410100")
    assert cities.city_by_pk(str(zhengzhou.pk)).name_en == zhengzhou.name_en
    City.objects.filter(pk=zhengzhou.pk).update(name_en="Renamed")  # no signal: as in another process
    clock[0] += 299
    assert cities.city_by_pk(str(zhengzhou.pk)).name_en == zhengzhou.name_en
    clock[0] += 2
    assert cities.city_by_pk(str(zhengzhou.pk)).name_en == "Renamed"


def test_an_unknown_city_is_asked_of_the_database_and_refused_with_a_message(citizen, clock):
    form = _form(citizen, 999999)
    assert not form.is_valid()
    assert "city" in form.errors
    # A city the copy does not have yet but the database does (added elsewhere) is accepted.
    cities.city_by_pk("0")  # the copy is read now, without the city below
    added = City.objects.bulk_create([City(code="419902", name_zh="新市", name_en="Newcity")])[0]
    form = _form(citizen, added.pk)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["city"].code == "419902"


def test_a_change_committed_while_the_list_is_read_is_not_lost(db, clock, monkeypatch):
    """A gthread worker: one thread reads the list while another commits a city and forgets
    the copy; the read is kept but not as fresh, and the next use reads again."""
    reads: list[int] = []
    all_cities = City.objects.all

    class Objects:
        @staticmethod
        def all():
            reads.append(1)
            if len(reads) == 1:
                cities.forget()  # the other thread, between this read's start and its end
            return all_cities()

    monkeypatch.setattr(cities.City, "objects", Objects)
    cities.city_by_pk("1")
    cities.city_by_pk("1")
    assert len(reads) == 2
    cities.city_by_pk("1")
    assert len(reads) == 2  # fresh from the second read on


def test_cities_are_not_deleted_in_the_admin(rf):
    from django.contrib.admin.sites import site

    request = rf.get("/admin/healthcode/city/")
    assert site._registry[City].has_delete_permission(request) is False
