"""What the health authority manages in the admin: risk areas and case lists."""

from django.urls import reverse
from django.utils import timezone

from declarations.models import HealthEvent, RiskArea
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests.declarations.conftest import code_of, enqueued_here


def test_adding_a_risk_area_in_the_admin_rereviews_in_the_background(
    client, superuser, green_citizen, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    now = timezone.localtime()
    data = {
        "province": "Henan/河南",
        "city": "Zhengzhou/郑州",
        "district": "Jinshui/金水",
        "level": "medium",
        "effective_from_0": now.strftime("%Y-%m-%d"),
        "effective_from_1": now.strftime("%H:%M:%S"),
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("admin:declarations_riskarea_add"), data, follow=True)
    assert "being re-reviewed" in response.content.decode()
    assert len(enqueued_here(callbacks)) == 1
    assert RiskArea.objects.get().updated_by == superuser
    assert code_of(green_citizen).colour == Colour.YELLOW  # lives in Jinshui
    assert ColourChange.objects.filter(rules=["risk_area_residence"]).count() == 1


def test_a_district_needs_its_city(client, superuser):
    client.force_login(superuser)
    data = {"province": "Henan", "district": "Gulou", "level": "high", "effective_from_0": "2026-03-01"}
    data["effective_from_1"] = "08:00:00"
    page = client.post(reverse("admin:declarations_riskarea_add"), data).content.decode()
    assert "Give the city of the district" in page
    assert not RiskArea.objects.exists()


def test_the_authority_lists_a_case_in_the_admin(client, superuser, green_citizen, django_capture_on_commit_callbacks):
    client.force_login(superuser)
    applicant = self_applicant(green_citizen)
    now = timezone.localtime()
    data = {
        "kind": "confirmed_case",
        "id_number": applicant.id_number,
        "occurred_at_0": now.strftime("%Y-%m-%d"),
        "occurred_at_1": now.strftime("%H:%M:%S"),
        "source_ref": "CDC-2026-0001",
        "note": "Positive PCR test",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:declarations_healthevent_add"), data)
    assert response.status_code == 302
    event = HealthEvent.objects.get()
    assert (event.source, event.recorded_by, event.applicant) == ("authority", superuser, applicant)
    assert code_of(green_citizen).colour == Colour.RED
    page = client.get(reverse("admin:declarations_healthevent_changelist")).content.decode()
    assert applicant.id_number not in page
