from django.urls import path

from declarations.views import declare, portal

urlpatterns = [
    path("", portal.home, name="home"),
    path("search/", portal.search, name="search"),
    path("henan/", portal.cities, name="cities"),
    path("henan/<str:code>/", portal.city, name="city"),
    path("henan/<str:code>/use/", portal.use_now, name="use-now"),
    path("declare/", declare.declare, name="declare"),
    path("declare/<uuid:ref>/confirm/", declare.confirm, name="declare-confirm"),
    path("family/add/", declare.add_member, name="family-add"),
    path("family/<int:pk>/declare/", declare.member_declare, name="family-declare"),
]
