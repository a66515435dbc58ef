"""Reviewers' profiles: which city each reviewer reviews (the city scope, scoped.py)."""

from django.contrib import admin

from declarations.models import ReviewerProfile


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "city"]
    list_filter = ["city"]
    raw_id_fields = ["user"]
