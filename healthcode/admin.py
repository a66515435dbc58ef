from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from healthcode.models import City, ColourChange, HealthCode, User

admin.site.register(User, UserAdmin)


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "province"]
    search_fields = ["code", "name_en", "name_zh"]


class ColourChangeInline(admin.TabularInline):
    model = ColourChange
    extra = 0
    can_delete = False
    fields = ["created", "from_colour", "to_colour", "source", "rules", "reason", "actor", "approved_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HealthCode)
class HealthCodeAdmin(admin.ModelAdmin):
    """Read-only: colours change through the review services, never by editing a row."""

    list_display = ["id", "colour", "version", "since", "until"]
    list_filter = ["colour"]
    readonly_fields = ["colour", "version", "since", "until", "created"]
    exclude = ["ref"]
    inlines = [ColourChangeInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
