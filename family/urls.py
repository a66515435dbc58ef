from django.urls import path

from family.views import accounts, code, inbox, members, rights

urlpatterns = [
    path("code/", code.code_home, name="code-home"),
    path("code/<id:pk>/", code.code_page, name="code"),
    path("code/<id:pk>/qr.json", code.code_qr, name="code-qr"),
    path("code/<id:pk>/qr.svg", code.code_qr_svg, name="code-qr-svg"),
    path("code/switch/", code.switch, name="code-switch"),
    path("inbox/", inbox.inbox_page, name="inbox"),
    path("inbox/read/", inbox.inbox_mark_read, name="inbox-read"),
    path("family/<id:pk>/remove/", members.remove, name="family-remove"),
    path("family/<id:pk>/paper/", members.paper, name="family-paper"),
    path("family/<id:pk>/paper/revoke/", members.paper_revoke, name="family-paper-revoke"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/my-data/", rights.my_data, name="my-data"),
    path("accounts/my-data.json", rights.download, name="my-data-download"),
    path("accounts/delete/", rights.delete, name="account-delete"),
    path("accounts/deleted/", rights.deleted, name="account-deleted"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
]
