"""The project's URLs plus the bare baseline view the other numbers are compared with."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/bare", views.bare, name="bench-bare"),
    path("", include("healthcode.urls")),
]
