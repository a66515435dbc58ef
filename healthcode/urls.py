from django.contrib import admin
from django.urls import path

from declarations.views import declare, portal
from family.views import accounts, code
from healthcode import views as core

urlpatterns = [
    path("", portal.home, name="home"),
    path("search/", portal.search, name="search"),
    path("henan/", portal.cities, name="cities"),
    path("henan/<str:code>/", portal.city, name="city"),
    path("henan/<str:code>/use/", portal.use_now, name="use-now"),
    path("declare/", declare.declare, name="declare"),
    path("declare/<uuid:ref>/confirm/", declare.confirm, name="declare-confirm"),
    path("code/", code.code_home, name="code-home"),
    path("code/<int:pk>/", code.code_page, name="code"),
    path("code/<int:pk>/qr.json", code.code_qr, name="code-qr"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("healthz", core.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
