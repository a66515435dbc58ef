from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from healthcode import crypto
from healthcode.admin_readonly import ReadOnlyAdminMixin
from healthcode.loginforms import StaffLoginForm
from healthcode.masking import mask_account
from healthcode.models import AuditEvent, City, ColourChange, ColourExtension, HealthCode, User
from healthcode.reasons import reason_text

admin.site.login_form = StaffLoginForm  # a username longer than any account's is a wrong login
# A login name that still fits its encrypted column (160 characters) once sealed: 64 Latin
# letters do; a Chinese character takes three bytes, and fewer of them fit (CHINESE_MAX).
USERNAME_MAX = 64
_COLUMN = User._meta.get_field("username")
CHINESE_MAX = max(
    n for n in range(USERNAME_MAX + 1) if crypto.sealed_length("王" * n, kind=_COLUMN.kind) <= _COLUMN.max_length
)


def fits_sealed(value: str) -> None:
    """The name fits its column once sealed (on Postgres a longer one was a database error on
    saving, a 500; SQLite stored it)."""
    if crypto.sealed_length(value, kind=_COLUMN.kind) > _COLUMN.max_length:
        raise ValidationError(
            _(
                "This login name is too long: at most %(latin)d Latin letters or digits, "
                "or %(chinese)d Chinese characters."
            ),
            code="too_long_sealed",
            params={"latin": USERNAME_MAX, "chinese": CHINESE_MAX},
        )


class SealableName:
    """A login name short enough to fit its encrypted column once sealed (a longer one was a
    database error on saving, not a message on the form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.max_length = USERNAME_MAX
        field.widget.attrs["maxlength"] = str(USERNAME_MAX)
        field.validators += [MaxLengthValidator(USERNAME_MAX), fits_sealed]


class AccountChangeForm(SealableName, UserChangeForm):
    pass


class AccountCreationForm(SealableName, AdminUserCreationForm):
    """Django's form asks the database for the name in any case (username__iexact), which an
    encrypted column cannot answer: adding an account was a 500 whatever the name. Names are
    compared as stored (a mobile number has no case)."""

    def clean_username(self) -> str:
        username = self.cleaned_data.get("username")
        if username and User.objects.filter(username=username).exists():
            raise ValidationError(self.instance.unique_error_message(User, ["username"]))
        return username


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Usernames (mobile numbers) are encrypted at rest: search finds an exact number or name."""

    add_form = AccountCreationForm
    form = AccountChangeForm
    search_fields = ["first_name", "last_name", "email"]
    fieldsets = [*UserAdmin.fieldsets, (_("Language"), {"fields": ["language"]})]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            results = results | queryset.filter(username=term)
        return results, may_have_duplicates


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "province"]
    search_fields = ["code", "name_en", "name_zh"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Reference data (GB/T 2260): a city is renamed, never deleted here. Each process's
        # form keeps its copy of the list for HC_CITY_REFRESH_SECONDS (healthcode/cities.py);
        # a city deleted under it would fail the declaration's INSERT.
        return False


class _HistoryInline(admin.TabularInline):
    """A code's history rows, read-only: their reason in the reader's language, the reviewer
    masked (a reviewer's login is their mobile number)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("reason"))
    def reason_words(self, obj: ColourChange | ColourExtension) -> str:
        return reason_text(obj)

    @admin.display(description=_("reviewer"))
    def by(self, obj: ColourChange | ColourExtension) -> str:
        return mask_account(obj.actor)


class ColourChangeInline(_HistoryInline):
    model = ColourChange
    fields = ["created", "from_colour", "to_colour", "source", "rules", "reason_words", "by", "approved"]
    readonly_fields = fields

    @admin.display(description=_("approved by"))
    def approved(self, obj: ColourChange) -> str:
        return mask_account(obj.approved_by)


class ColourExtensionInline(_HistoryInline):
    """The colours that lasted longer for a new reason (what the person was told of them)."""

    model = ColourExtension
    fields = ["created", "colour", "previous_until", "until", "source", "rules", "reason_words", "by"]
    readonly_fields = fields


@admin.register(HealthCode)
class HealthCodeAdmin(admin.ModelAdmin):
    """Raw codes and their whole history, for superusers only (whatever permissions a group
    holds): a code knows no city, so no reviewer's scope can apply here. Reviewers read a
    person's colour history in the city-scoped "People" admin of the declarations app.
    Read-only: colours change through the review services, never by editing a row."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    has_change_permission = has_view_permission

    list_display = ["id", "colour", "version", "since", "until"]
    list_filter = ["colour"]
    readonly_fields = ["colour", "version", "since", "until", "created"]
    exclude = ["ref"]
    inlines = [ColourChangeInline, ColourExtensionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log: readable by superusers, editable by no one."""

    list_display = ["created", "action", "actor_name", "reason"]
    list_filter = ["action"]
    readonly_fields = ["created", "action", "actor", "actor_name", "reason", "detail"]
