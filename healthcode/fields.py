"""A model field for personal numbers, encrypted at rest (see healthcode/crypto.py)."""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.db.models import Lookup
from django.utils.translation import gettext_lazy as _

from healthcode import crypto

ALLOWED_LOOKUPS = {"exact", "in", "isnull", "hint"}


class FitsSealed:
    """A value that fits the column once sealed: its length is checked as the plain text's, and
    the sealed one is longer (a database error on Postgres, a 500; SQLite stored it). Run by
    every model form on the field (the admin's), with the message at the field."""

    def __init__(self, kind: str, max_length: int):
        self.kind, self.max_length = kind, max_length

    def _fits(self, value: str) -> bool:
        return crypto.sealed_length(value, kind=self.kind) <= self.max_length

    def __call__(self, value) -> None:
        if isinstance(value, str) and value and not crypto.is_sealed(value) and not self._fits(value):
            most = {letter: max(n for n in range(self.max_length) if self._fits(letter * n)) for letter in "a王"}
            raise ValidationError(
                _(
                    "This is too long to store: at most %(latin)d Latin letters or digits, "
                    "or %(chinese)d Chinese characters."
                ),
                code="too_long_sealed",
                params={"latin": most["a"], "chinese": most["王"]},
            )


class EncryptedCharField(models.CharField):
    """Stores `e1:<hint>:<AES-SIV ciphertext>`; Python sees the plain number. Exact and `in`
    lookups and unique constraints work (the encryption is deterministic); `hint` finds rows
    by the shown part of a number; any other lookup (contains, startswith…) would silently
    compare against ciphertext, so it is refused."""

    def __init__(self, *args, kind: str = "", **kwargs):
        self.kind = kind
        kwargs.setdefault("max_length", 160)
        super().__init__(*args, **kwargs)
        self.validators.append(FitsSealed(kind, self.max_length))  # not a migration's concern

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.kind:
            kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return None if value is None else crypto.open_(value)

    def to_python(self, value):
        value = super().to_python(value)
        if not isinstance(value, str) or not crypto.is_sealed(value):
            return value
        try:
            return crypto.open_(value)
        except (ValueError, InvalidTag):  # typed, not sealed by us: it would be stored as it is, unreadable
            raise ValidationError(
                _("This cannot be stored: it begins as an encrypted value does (%(prefix)s)."),
                code="looks_sealed",
                params={"prefix": crypto.PREFIX},
            ) from None

    def get_prep_value(self, value):
        # Field's, not CharField's (which runs to_python, opening a sealed value): a value that
        # only looks sealed (typed "e1:...") is looked up as it is, and found nowhere.
        value = models.Field.get_prep_value(self, value)
        if value is None or value == "":
            return value
        value = str(value)
        return value if crypto.is_sealed(value) else crypto.seal(value, kind=self.kind)

    def get_lookup(self, lookup_name):
        if lookup_name not in ALLOWED_LOOKUPS:
            raise FieldError(f"'{lookup_name}' cannot be used on an encrypted field; use exact, in, isnull or hint")
        return super().get_lookup(lookup_name)


@EncryptedCharField.register_lookup
class Hint(Lookup):
    """`filter(id_number__hint="4101002X")`: rows whose number shows as 4101**********002X."""

    lookup_name = "hint"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [f"{crypto.PREFIX}{value}:%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", lhs_params + rhs_params
