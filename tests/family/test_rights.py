"""A citizen downloads all their data and deletes their account, leaving no personal data."""

import json
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from checkpoints.models import Scan, Venue
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import City, ColourChange
from healthcode.services import change_colour
from tests import factories


def _scan(applicant):
    venue = Venue.objects.create(name="Erqi Square", type=Venue.Type.MALL, city=City.objects.get(code="410100"))
    return Scan.objects.create(
        venue=venue, applicant=applicant, result="ok", direction="entry", source="staff", nonce="n-1"
    )


def test_download_has_everything_about_me_and_my_family_only(client, green_citizen, outsider, declare):
    declare(outsider)
    applicant = self_applicant(green_citizen)
    _scan(applicant)
    client.force_login(green_citizen)
    response = client.get(reverse("my-data-download"))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    person = data["family"]["people"][0]
    assert person["id_number"] == applicant.id_number
    assert person["code"]["colour"] == "green"
    assert person["code"]["history"][0]["to"] == "green"
    declaration = data["declarations"]["declarations"][0]
    assert declaration["commitments"]["truthful"] and declaration["commitments"]["version"] == 1
    assert data["checkpoints"]["scans"][0]["venue"] == "Erqi Square"
    assert data["account"]["mobile_number"] == green_citizen.username
    assert outsider.username not in response.content.decode()


def test_delete_leaves_no_personal_data_behind(client, green_citizen, django_capture_on_commit_callbacks):
    applicant = self_applicant(green_citizen)
    grandma = factories.member(green_citizen, phone="13911112222")
    change_colour(grandma.health_code_id, Colour.GREEN, source=ColourChange.Source.REVIEW)  # reviewed
    scan = _scan(applicant)
    secrets = [applicant.id_number, grandma.id_number, green_citizen.username, "13911112222", applicant.name]
    client.force_login(green_citizen)
    page = client.get(reverse("my-data")).content.decode()
    assert "Delete my account" in page and "Download" in page

    response = client.post(reverse("account-delete"), {"password": "Sturdy-pass-2026"})
    assert response["Location"] == reverse("account-deleted")

    dump = StringIO()
    call_command("dumpdata", stdout=dump, exclude=["contenttypes", "auth.permission"])
    for secret in secrets:
        assert secret not in dump.getvalue(), secret
    scan.refresh_from_db()
    assert scan.applicant_id is None  # the venue keeps an anonymous count
    assert ColourChange.objects.filter(code_id=applicant.health_code_id).count() == 0
    assert client.get(reverse("code-home"))["Location"].startswith(reverse("login"))


def test_delete_needs_the_password(client, green_citizen):
    client.force_login(green_citizen)
    page = client.post(reverse("account-delete"), {"password": "nope"}).content.decode()
    assert "That is not your password" in page
    assert self_applicant(green_citizen).pk


def test_an_account_holding_a_yellow_code_cannot_be_deleted(client, green_citizen):
    grandma = factories.member(green_citizen)
    change_colour(grandma.health_code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW)
    client.force_login(green_citizen)
    response = client.post(reverse("account-delete"), {"password": "Sturdy-pass-2026"})
    assert response.status_code == 409
    assert "yellow or red code" in response.content.decode()
    assert green_citizen.__class__.objects.filter(pk=green_citizen.pk).exists()


def test_an_account_holding_a_code_under_review_cannot_be_deleted(client, citizen, declare):
    """Signing up again would start a person a reviewer may yet find yellow afresh."""
    waiting = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    assert waiting.status == "needs_review"
    client.force_login(citizen)
    response = client.post(reverse("account-delete"), {"password": "Sturdy-pass-2026"})
    assert response.status_code == 409 and "under review" in response.content.decode()
    assert citizen.__class__.objects.filter(pk=citizen.pk).exists()
