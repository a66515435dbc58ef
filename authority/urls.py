from django.urls import path

from authority import views

urlpatterns = [
    path("authority/dashboard/", views.dashboard, name="authority-dashboard"),
    path("authority/dashboard/count", views.count_now, name="authority-count"),
]
