"""The baseline: the least a Django JSON view can do, behind the project's full middleware."""

from django.http import HttpRequest, JsonResponse


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
