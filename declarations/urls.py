from django.urls import path

from declarations.views import appeal, checkin, declare, portal, why

urlpatterns = [
    path("", portal.home, name="home"),
    path("search/", portal.search, name="search"),
    path("henan/", portal.cities, name="cities"),
    path("henan/<str:code>/", portal.city, name="city"),
    path("henan/<str:code>/use/", portal.use_now, name="use-now"),
    path("declare/", declare.declare, name="declare"),
    path("declare/<uuid:ref>/confirm/", declare.confirm, name="declare-confirm"),
    path("family/add/", declare.add_member, name="family-add"),
    path("family/<id:pk>/declare/", declare.member_declare, name="family-declare"),
    path("code/<id:pk>/why/", why.why_colour, name="why-colour"),
    path("code/<id:pk>/check-in/", checkin.checkin, name="checkin"),
    path("code/<id:pk>/appeal/", appeal.appeal, name="appeal"),
]
