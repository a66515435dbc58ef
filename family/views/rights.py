"""My data: download it all (JSON), or delete the account."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from family.services.rights import CannotDelete, data_export, delete_account, deleted_already, deletion_ticket


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Please enter your password to confirm.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password


@require_GET
@login_required
@never_cache
def my_data(request: HttpRequest) -> HttpResponse:
    context = {"form": DeleteAccountForm(user=request.user), "ticket": deletion_ticket(request.user)}
    return render(request, "family/my_data.html", context)


@require_GET
@login_required
@never_cache
def download(request: HttpRequest) -> HttpResponse:
    body = json.dumps(data_export(request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="health-code-my-data.json"'
    return response


@require_http_methods(["POST"])
def delete(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # The deletion sent again (a double click, a retry): the first one deleted the account
        # and ended the session this one came with. Answered as the first one was.
        if deleted_already(request.POST.get("ticket", "")):
            return redirect("account-deleted")
        return redirect_to_login(request.get_full_path())
    form = DeleteAccountForm(request.POST, user=request.user)
    error = ""
    if form.is_valid():
        try:
            delete_account(request.user)
        except CannotDelete as exc:
            error = exc.message
        else:
            logout(request)
            return redirect("account-deleted")
    context = {"form": form, "error": error, "ticket": deletion_ticket(request.user)}
    return render(request, "family/my_data.html", context, status=200 if not error else 409)


@require_GET
def deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "family/account_deleted.html")
