"""Sign up, log in, log out."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from family.forms import LoginForm, SignupForm
from family.services import create_account
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
        if form.is_valid():
            user = create_account(
                form.cleaned_data["username"], form.cleaned_data["password1"], language=translation.get_language()
            )
            login(request, user, backend="healthcode.backends.ModelBackend")
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
