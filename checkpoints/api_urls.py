"""The gate API, mounted at /api/v1/ ahead of the other apps' URLs (healthcode/urls.py), so
that a turnstile's request is resolved by one prefix match instead of trying every page."""

from django.urls import path

from checkpoints.views import api

urlpatterns = [
    path("verify", api.verify, name="api-verify"),
    path("openapi.json", api.openapi_json, name="api-openapi"),
]
