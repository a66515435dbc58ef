"""A bound form that validates with its class's fields and copies them only to be shown.

Django gives every form its own deep copy of its class's fields (`BaseForm.__init__`), so that
an instance may change them and rendering may write into their widgets (crispy-forms sets
the widget's CSS classes in place). A POST that validates and redirects does neither: it
reads the fields, and the copy was most of the cost of building the form (14 fields, their
widgets, error messages and validators: a seventh of the declaration's POST in-process,
bench/README.md, session 15).

Here a bound form starts with its class's field objects, shared and only read while it
validates (an unbound form has its own from the start, as in Django). Anything else that
reaches for `form.fields` (rendering, a template, a view or a subclass changing a field,
`order_fields`) first gets the form its own deep copies, exactly as Django would have made
them, and the bound fields built while validating are forgotten (they point at the shared
ones). A form shown again with its errors is thus rendered from its own copies; the class's
fields are never written.

Validation must only read the fields: Django's own `clean()`s, `clean_<name>()` and `clean()`
on the form do; a form whose validation changes a field must not use this.
"""

from __future__ import annotations

import copy

from django import forms


class _Shared(dict):
    """The class's fields, handed to `BaseForm.__init__`, whose deep copy is a shallow one."""

    def __deepcopy__(self, memo):
        return dict(self)


class SharedFieldsForm(forms.Form):
    _fields: dict
    _shared = False
    _validating = False

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            self.base_fields = _Shared(type(self).base_fields)  # the instance's: BaseForm copies it
            self._shared = True
        super().__init__(data, *args, **kwargs)

    @property
    def fields(self) -> dict:
        if self._shared and not self._validating:
            self._shared = False
            self._fields = copy.deepcopy(self._fields)
            self.__dict__.pop("base_fields", None)
            self._bound_fields_cache.clear()
        return self._fields

    @fields.setter
    def fields(self, value: dict) -> None:
        self._fields = value

    def full_clean(self) -> None:
        self._validating = True
        try:
            super().full_clean()
        finally:
            self._validating = False
