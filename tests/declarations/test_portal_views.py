import pytest
from django.urls import reverse

from healthcode.models import City


def test_home_has_search_and_account_links(client, db):
    page = client.get("/").content.decode()
    assert 'name="q"' in page
    assert reverse("login") in page and reverse("signup") in page


@pytest.mark.parametrize("query", ["Henan Health Code", "henan health code", "河南健康码", "health code"])
def test_search_finds_the_service(client, db, query):
    response = client.get("/search/", {"q": query})
    assert reverse("cities") in response.content.decode()


def test_search_for_something_else_says_so_and_offers_the_service(client, db):
    page = client.get("/search/", {"q": "建康码"}).content.decode()  # a slip of the finger
    assert "No service found" in page
    assert "Mini programs" not in page
    # The one service there is, to tap instead of typing again.
    assert reverse("cities") in page


def test_search_with_nothing_typed_only_explains(client, db):
    page = client.get("/search/", {"q": ""}).content.decode()
    assert "Type the name of a service" in page
    assert reverse("cities") not in page


def test_city_list_has_all_18_cities(client, db):
    page = client.get("/henan/").content.decode()
    assert City.objects.filter(province="henan").count() == 18
    for city in City.objects.all():
        assert reverse("city", args=[city.code]) in page
    assert "Jiyuan" in page and "济源市" in page


def test_city_page_has_use_now(client, db):
    page = client.get("/henan/410300/").content.decode()
    assert "Luoyang" in page
    assert "Use Now" in page and reverse("use-now", args=["410300"]) in page


def test_unknown_city_is_404(client, db):
    assert client.get("/henan/999999/").status_code == 404


def test_use_now_asks_to_log_in_first(client, db):
    response = client.get("/henan/410100/use/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_use_now_without_a_declaration_opens_the_form_for_that_city(citizen_client):
    response = citizen_client.get("/henan/410300/use/")
    assert response["Location"] == reverse("declare") + "?city=410300"


def test_use_now_with_a_declaration_opens_the_code_page(client, green_citizen):
    client.force_login(green_citizen)
    response = client.get("/henan/410100/use/")
    assert response["Location"] == reverse("code", args=[green_citizen.applicants.get().pk])
