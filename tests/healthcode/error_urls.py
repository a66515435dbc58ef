"""The real URLs, plus views that fail the ways production fails: a bug, a database that does
not answer. For tests/healthcode/test_error_pages.py."""

from django.db import OperationalError
from django.urls import path

from healthcode import urls as real_urls


def bug(request):
    raise RuntimeError("a bug")


def database_down(request):
    raise OperationalError("could not connect to server: Connection refused")


urlpatterns = [
    path("test/bug/", bug),
    path("test/busy/", database_down),
    path("api/v1/test/busy/", database_down),
    *real_urls.urlpatterns,
]
handler500 = real_urls.handler500
