from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from checkpoints.models import ApiKey, Purchase, Scan, Venue, VenueStaff
from checkpoints.services.keys import create_api_key, forget_keys
from family.masking import mask_name


class VenueStaffInline(admin.TabularInline):
    model = VenueStaff
    extra = 0
    raw_id_fields = ["user"]


class ApiKeyInline(admin.TabularInline):
    """Keys are made in "Gate API keys" (the key is shown once there); listed here."""

    model = ApiKey
    extra = 0
    can_delete = False
    fields = ["name", "prefix", "created", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "city", "active", "poster"]
    list_filter = ["type", "city", "active"]
    search_fields = ["name", "address"]
    inlines = [VenueStaffInline, ApiKeyInline]

    @admin.display(description=_("venue code"))
    def poster(self, obj: Venue) -> str:
        return format_html('<a href="{}">{}</a>', reverse("place", args=[obj.place_code]), _("visit page"))


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Adding a key shows it once; only its digest is stored. Revoke instead of deleting."""

    list_display = ["name", "venue", "prefix", "created", "revoked_at"]
    list_filter = ["venue", "revoked_at"]
    search_fields = ["name", "venue__name", "prefix"]
    fields = ["venue", "name", "revoked_at"]
    raw_id_fields = ["venue"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["venue"] if obj is not None else ["revoked_at"]

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            forget_keys()
            return
        key, raw_key = create_api_key(obj.venue, obj.name, created_by=request.user)
        obj.pk, obj.prefix, obj.digest, obj.created = key.pk, key.prefix, key.digest, key.created
        obj._state.adding = False
        messages.warning(
            request,
            _("The new key for %(venue)s is %(key)s — copy it now into the gate's settings; it is not shown again.")
            % {"venue": obj.venue.name, "key": raw_key},
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset) -> None:
        from django.utils import timezone

        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        forget_keys()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Scan)
class ScanAdmin(admin.ModelAdmin):
    """The scan log, read-only (contact tracing reads it; retention purges it)."""

    list_display = ["scanned_at", "venue", "result", "colour", "direction", "source", "person"]
    list_filter = ["result", "source", "direction", "venue"]
    date_hierarchy = "scanned_at"
    list_select_related = ["venue", "applicant"]
    raw_id_fields = ["applicant", "staff", "api_key"]
    readonly_fields = [f.name for f in Scan._meta.fields]

    @admin.display(description=_("person"))
    def person(self, obj: Scan) -> str:
        return mask_name(obj.applicant.name) if obj.applicant else "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ["created", "venue", "medicines"]
    list_select_related = ["scan__venue"]
    readonly_fields = ["scan", "medicines", "staff", "created"]

    @admin.display(description=_("venue"))
    def venue(self, obj: Purchase) -> str:
        return obj.scan.venue.name

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# The health authority's contact tracing pages (case traces and their CSV export).
from checkpoints import tracing_admin  # noqa: E402, F401
