"""A read-only admin: rows that are records (audit log, access log, closed days) are shown,
never added, edited or deleted by hand."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """Put first in the bases: `class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin)`."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
