"""Sign up and log in with a mainland mobile number."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from healthcode.loginforms import LongUsernameRefused
from healthcode.models import User
from healthcode.validators import MOBILE, normalise_mobile, validate_mobile

ACCOUNT_EXISTS = _("An account with this mobile number already exists. Log in instead.")


class SignupForm(BaseUserCreationForm):
    username = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "autofocus": True}),
        error_messages={"required": _("Please enter your mobile number.")},
    )

    class Meta:
        model = User
        fields = ("username",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django's "This field is required." names no field; say which one is missing.
        self.fields["password1"].error_messages["required"] = _("Please choose a password.")
        self.fields["password2"].error_messages["required"] = _("Please enter the same password again.")

    def clean_username(self) -> str:
        validate_mobile(self.cleaned_data["username"])
        phone = normalise_mobile(self.cleaned_data["username"])
        if User.objects.filter(username=phone).exists():
            raise ValidationError(ACCOUNT_EXISTS, code="exists")
        return phone

    def same_signup_again(self) -> tuple[str, str] | None:
        """The number and password of a sign-up refused only because the number has an account
        (a double click or retry of the sign-up that made it, perhaps); None otherwise."""
        errors = self.errors.as_data()
        # "exists" from clean_username; "unique" from the model's check just after it, when the
        # account was made in between (the same sign-up at the same moment).
        codes = {error.code for error in errors.get("username", [])}
        if set(errors) != {"username"} or not codes or not codes <= {"exists", "unique"}:
            return None
        password = self.cleaned_data.get("password2")
        if not password or self.cleaned_data.get("password1") != password:
            return None
        return normalise_mobile(self.data.get("username", "")), password


class LoginForm(LongUsernameRefused, AuthenticationForm):
    username_max_length = 20  # "+86 138-0013-8000 " and the like; longer is a wrong login
    username = forms.CharField(
        label=_("Mobile number"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "username", "autofocus": True}),
        error_messages={"required": _("Please enter your mobile number.")},
    )
    error_messages = {
        "invalid_login": _("The mobile number or password is not right. Please try again."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].error_messages["required"] = _("Please enter your password.")

    def clean_username(self) -> str:
        # A mobile number as sign-up reads it ("+86 138-0013-8000", full-width digits);
        # anything else (the admin's username) as typed.
        value = self.cleaned_data["username"]
        number = normalise_mobile(value)
        return number if MOBILE.match(number) else value.strip()
