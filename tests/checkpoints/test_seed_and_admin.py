"""seed_demo stays idempotent and prints a working gate key; the admin makes keys."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from checkpoints.models import ApiKey, Venue, VenueStaff
from checkpoints.services.keys import authenticate
from family.services import self_applicant
from healthcode.models import User
from tests.checkpoints.conftest import nonce, token_for


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_twice(client):
    first = seed()
    second = seed()
    key = re.search(r"\n  (hcg_\S+)\n", first).group(1)
    assert key in second
    station = Venue.objects.get(name="Zhengzhou East Railway Station")
    staff = User.objects.get(username="13800000002")
    assert VenueStaff.objects.get(venue=station, user=staff).role == "manager"
    assert Venue.objects.get(name="Zhengzhou Renmin Pharmacy").type == "pharmacy"
    assert ApiKey.objects.filter(venue=station).count() == 1
    assert authenticate(key).venue_id == station.pk
    citizen = self_applicant(User.objects.get(username="13800000001"))
    response = client.post(
        "/api/v1/verify",
        data=json.dumps({"token": token_for(citizen), "direction": "entry", "nonce": nonce()}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.json()["result"] == "ok"


def test_the_admin_shows_a_new_key_once(admin_client, venue):
    response = admin_client.post(
        reverse("admin:checkpoints_apikey_add"), {"venue": venue.pk, "name": "Gate 9"}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    raw_key = re.search(r"(hcg_[A-Za-z0-9_-]{20,})", page).group(1)
    key = ApiKey.objects.get(name="Gate 9")
    assert authenticate(raw_key).key_id == key.pk
    listing = admin_client.get(reverse("admin:checkpoints_apikey_changelist")).content.decode()
    assert raw_key not in listing and key.prefix in listing
    admin_client.post(
        reverse("admin:checkpoints_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert authenticate(raw_key) is None


def test_the_admin_pages_open(admin_client, venue, gate_key, green_person):
    from checkpoints.services import verify_scan

    verify_scan(venue.pk, token_for(green_person), direction="entry", nonce=nonce(), source="staff")
    for name in ("checkpoints_venue", "checkpoints_scan", "checkpoints_apikey", "checkpoints_purchase"):
        assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:checkpoints_venue_change", args=[venue.pk])).status_code == 200
    page = admin_client.get(reverse("admin:checkpoints_scan_changelist")).content.decode()
    assert green_person.id_number not in page
