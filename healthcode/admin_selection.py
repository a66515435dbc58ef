"""An admin action's selection holds only keys: what the list page posts as the ticked rows
(`_selected_action`) is a list of ids, and one that is no id (a tampered form: "abc", "1\\0",
a number beyond any key) reached the database's query, a server error. Such values are
dropped before the action runs: it acts on the valid ones, or Django reports that nothing
was selected. A form's many-to-many choice (a group's permissions, an account's groups) is
the same list of keys: one that is no key is refused at its field before the database is
asked for them all at once (on SQLite a number past 64 bits was a server error there). The
project's admin site (AdminSite below, installed by AdminConfig) gives every admin registered
on it this behaviour.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin
from django.contrib.admin import apps, helpers
from django.core.exceptions import ValidationError
from django.db import models

from healthcode.admin_filters import DatesInRange
from healthcode.converters import IdConverter


class KeysOnlyMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses a value that can be no key of the model before the query for them all."""

    def _check_values(self, value):
        model = self.queryset.model
        for key in value if isinstance(value, list | tuple) else ():
            if not self.to_field_name and not is_key(model, str(key)):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": key}
                )
        return super()._check_values(value)


class KeysOnlySelection:
    """Put first in the bases: `class VenueAdmin(KeysOnlySelection, admin.ModelAdmin)`."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", KeysOnlyMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        keys = [value for value in selected if is_key(self.model, value)]
        if keys != selected:
            post = request.POST.copy()
            post.setlist(helpers.ACTION_CHECKBOX_NAME, keys)
            request.POST = post
        return super().response_action(request, queryset)


def is_key(model: type[models.Model], value: str) -> bool:
    """Whether the value can be a key of the model: for an integer key 1 to 18 digits (every
    key here is 64-bit, as in addresses: healthcode/converters.py), else what the field takes."""
    field = model._meta.pk
    while field.is_relation:  # a child model's key is its parent's
        field = field.target_field
    if isinstance(field, models.IntegerField):  # AutoField and BigAutoField too
        return re.fullmatch(IdConverter.regex, value) is not None
    if "\x00" in value:
        return False
    try:
        field.to_python(value)
    except ValidationError:
        return False
    return True


class AdminSite(admin.AdminSite):
    """The project's admin site: every admin registered on it, ours and the libraries' (auth's
    groups, django-axes' logs), takes only keys in an action's selection, and shows its list
    unfiltered, with a message, for a date out of range in the address (healthcode/admin_filters.py)."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        missing = tuple(base for base in (KeysOnlySelection, DatesInRange) if not issubclass(admin_class, base))
        if missing:
            same = {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__}
            admin_class = type(admin_class.__name__, (*missing, admin_class), same)
        super().register(model_or_iterable, admin_class, **options)


class AdminConfig(apps.AdminConfig):
    """django.contrib.admin with the site above (settings.INSTALLED_APPS)."""

    default_site = "healthcode.admin_selection.AdminSite"
