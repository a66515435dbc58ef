"""Sign up, log in, log out."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from family.forms import ACCOUNT_EXISTS, LoginForm, SignupForm
from family.services import AccountExists, create_account, signed_up_just_now
from healthcode.loginlimit import paused_for
from healthcode.services import remember_language


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() reads anything without a slash as a view name
    # ("0" or "code" raised NoReverseMatch, a server error).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignupForm(request.POST)
        user = None
        if form.is_valid():
            try:
                user = create_account(
                    form.cleaned_data["username"], form.cleaned_data["password1"], language=translation.get_language()
                )
            except AccountExists:  # made by the same sign-up at the same moment, perhaps
                form.add_error("username", forms.ValidationError(ACCOUNT_EXISTS, code="exists"))
            else:
                login(request, user, backend="healthcode.backends.ModelBackend")
                return redirect(_next(request) or "home")
        again = form.same_signup_again()
        if again is not None and paused_for(request) is None and signed_up_just_now(again[0]):
            # The same sign-up sent again (a double click, a retry, the back button): its
            # account is there, and the password it chose logs in, as the first answer did.
            # Through authenticate: a wrong password counts towards the lockouts; and never
            # from an address paused for wrong passwords (a login form like the others).
            user = authenticate(request, username=again[0], password=again[1])
            if user is not None:
                login(request, user)
                return redirect(_next(request) or "home")
    else:
        form = SignupForm()
    return render(request, "registration/signup.html", {"form": form, "next": _next(request)})


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        # An account from before languages were kept gets the one it logs in with.
        remember_language(form.get_user(), translation.get_language(), unless_set=True)
        return response


class LogoutView(auth_views.LogoutView):
    pass
