"""The way in, as in Alipay: search → Henan Health Code → city → "Use Now"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from declarations.models import Declaration
from family.services import self_applicant
from healthcode.models import City

# What a person may type to find the service (English and Chinese, any case).
SERVICE_KEYWORDS = ("henan health code", "health code", "henan", "healthcode", "河南健康码", "健康码", "河南")


def _matches_service(query: str) -> bool:
    query = " ".join(query.lower().split())
    return bool(query) and any(word in query or query in word for word in SERVICE_KEYWORDS)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "declarations/home.html")


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    return render(request, "declarations/search.html", {"query": query, "found": _matches_service(query)})


@require_GET
def cities(request: HttpRequest) -> HttpResponse:
    return render(request, "declarations/cities.html", {"cities": City.objects.filter(province="henan")})


@require_GET
def city(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "declarations/city.html", {"city": get_object_or_404(City, code=code)})


@require_GET
@login_required
def use_now(request: HttpRequest, code: str) -> HttpResponse:
    """The declaration form if the person has not declared yet, else their code page."""
    city = get_object_or_404(City, code=code)
    applicant = self_applicant(request.user)
    declared = Declaration.objects.filter(applicant=applicant).exclude(status=Declaration.Status.DRAFT).exists()
    if declared:
        return redirect("code", pk=applicant.pk)
    return redirect(f"{reverse('declare')}?{urlencode({'city': city.code})}")
