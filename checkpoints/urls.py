from django.urls import path

from checkpoints.views import keys, manage, places, staff

# The gate API is in api_urls.py (mounted first, at /api/v1/).
urlpatterns = [
    path("checkpoints/", staff.venue_list, name="checkpoints"),
    path("checkpoints/<int:pk>/", staff.scan_page, name="checkpoint-scan"),
    path("checkpoints/<int:pk>/verify", staff.staff_verify, name="checkpoint-verify"),
    path("checkpoints/<int:pk>/upload", staff.upload, name="checkpoint-upload"),
    path("checkpoints/<int:pk>/scans/<int:scan_id>/purchase", staff.purchase, name="checkpoint-purchase"),
    path("checkpoints/<int:pk>/log/", staff.log, name="checkpoint-log"),
    path("checkpoints/<int:pk>/manage/", manage.manage, name="checkpoint-manage"),
    path("checkpoints/<int:pk>/poster/", manage.poster, name="checkpoint-poster"),
    path("place/<str:place_code>/", places.place, name="place"),
    path(".well-known/healthcode-keys.json", keys.healthcode_keys, name="healthcode-keys"),
]
