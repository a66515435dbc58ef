"""`{% url %}` remembers its answers (healthcode/templatetags/cached_url.py) and gives Django's."""

import pytest
from django.template import Context, Template, engines
from django.urls import NoReverseMatch, path, reverse, set_script_prefix

from healthcode.templatetags import cached_url


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.fixture(autouse=True)
def fresh():
    cached_url.clear()
    yield
    cached_url.clear()
    set_script_prefix("/")


def test_every_template_uses_it():
    template = engines["django"].from_string("{% url 'home' %}").template
    assert isinstance(template.nodelist[0], cached_url.CachedURLNode)


def test_the_same_urls_as_django():
    assert render("{% url 'home' %}") == reverse("home")
    both = f"{reverse('code', args=[42])}|{reverse('code', args=[43])}"
    assert render("{% url 'code' 42 %}|{% url 'code' 43 %}") == both
    assert render("{% url 'code' pk=7 %}") == reverse("code", kwargs={"pk": 7})
    assert render("{% url 'code' n %}", n="8") == reverse("code", args=["8"])
    assert render("{% url 'code' 9 as link %}[{{ link }}]") == f"[{reverse('code', args=[9])}]"
    assert render("{% url 'no-such-page' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")


def test_remembered_per_script_prefix():
    assert render("{% url 'home' %}") == "/"
    set_script_prefix("/healthcode/")  # a deployment under a path: the same name, another URL
    assert render("{% url 'home' %}") == "/healthcode/"


urlpatterns = [path("elsewhere/", lambda request: None, name="home")]  # for the test below


def test_remembered_per_urlconf(settings):
    assert render("{% url 'home' %}") == "/"
    settings.ROOT_URLCONF = __name__  # what @pytest.mark.urls and override_settings do
    assert Template("{% url 'home' %}").render(Context()) == "/elsewhere/"
