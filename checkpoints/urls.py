from django.urls import path

from checkpoints.views import keys, manage, places, staff

# The gate API is in api_urls.py (mounted first, at /api/v1/).
urlpatterns = [
    path("checkpoints/", staff.venue_list, name="checkpoints"),
    path("checkpoints/<id:pk>/", staff.scan_page, name="checkpoint-scan"),
    path("checkpoints/<id:pk>/verify", staff.staff_verify, name="checkpoint-verify"),
    path("checkpoints/<id:pk>/upload", staff.upload, name="checkpoint-upload"),
    path("checkpoints/<id:pk>/scans/<id:scan_id>/purchase", staff.purchase, name="checkpoint-purchase"),
    path("checkpoints/<id:pk>/log/", staff.log, name="checkpoint-log"),
    path("checkpoints/<id:pk>/manage/", manage.manage, name="checkpoint-manage"),
    path("checkpoints/<id:pk>/poster/", manage.poster, name="checkpoint-poster"),
    path("place/<str:place_code>/", places.place, name="place"),
    path(".well-known/healthcode-keys.json", keys.healthcode_keys, name="healthcode-keys"),
]
