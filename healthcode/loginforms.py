"""What every login form does with a username longer than any account's: answers it as a wrong
login, before anyone is looked up or any failure counted (the site's form, family/forms.py, and
the admin's, set in healthcode/admin.py)."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm

from healthcode.security import USERNAME_MAX_LENGTH


class LongUsernameRefused:
    """For a subclass of Django's AuthenticationForm. Its username field has no length check of
    its own (the admin's took 100,000 characters, and django-axes then failed to write them
    into its varchar(255): a server error on Postgres); a field's "at most N characters" would
    tell a stranger more than "wrong number or password" does."""

    username_max_length = USERNAME_MAX_LENGTH

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].max_length = self.username_max_length
        self.fields["username"].widget.attrs["maxlength"] = self.username_max_length

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is not None and len(username) > self.username_max_length:
            raise self.get_invalid_login_error()
        return super().clean()


class StaffLoginForm(LongUsernameRefused, AdminAuthenticationForm):
    """The admin's login form (admin.site.login_form)."""
