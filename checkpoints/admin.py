from django.contrib import admin

from checkpoints.models import Venue, VenueStaff


class VenueStaffInline(admin.TabularInline):
    model = VenueStaff
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "city", "active"]
    list_filter = ["type", "city", "active"]
    search_fields = ["name", "address"]
    inlines = [VenueStaffInline]
