from django.contrib import admin

from declarations.models import Declaration


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ["created", "status", "city", "verdict_colour"]
    list_filter = ["status", "verdict_colour", "city"]
    date_hierarchy = "created"
    raw_id_fields = ["applicant", "submitted_by"]
    readonly_fields = ["ref", "form_token", "verdict_rules", "reviewed_at", "confirmed_at"]
