"""The top: wires every app's URLs. Each app owns its own urls.py."""

from django.contrib import admin
from django.urls import include, path

from healthcode import views as core

urlpatterns = [
    path("api/v1/", include("checkpoints.api_urls")),  # first: the turnstiles' hot path
    path("", include("declarations.urls")),
    path("", include("family.urls")),
    path("", include("checkpoints.urls")),
    path("", include("authority.urls")),
    path("healthz", core.healthz, name="healthz"),
    # The switch on every page: Django's set_language, and the account keeps the choice.
    path("i18n/setlang/", core.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

# 500 and "service busy" (503 when the database does not answer): self-contained pages that
# need no database and no request context (healthcode/errors.py).
handler500 = "healthcode.errors.server_error"
