"""A read-only admin: rows that are records (audit log, access log, closed days) are shown,
never added, edited or deleted by hand."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdminMixin:
    """Put first in the bases: `class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin)`."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent, never added, edited or deleted there: set `model` and
    `fields` (all of them read only)."""

    extra = 0
    max_num = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields
