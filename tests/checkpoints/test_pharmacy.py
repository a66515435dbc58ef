"""Pharmacies register fever, cough, antiviral or antibiotic medicine for the scanned person;
declarations records the fact and the colour rules turn the code yellow."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from checkpoints.models import Purchase, Scan, Venue
from checkpoints.services.pharmacy import PurchaseRefused, register_purchase
from declarations.models import HealthEvent
from healthcode.colours import Colour
from tests.checkpoints.conftest import nonce, token_for


def scan_at(client, venue, token) -> dict:
    return client.post(
        reverse("checkpoint-verify", args=[venue.pk]),
        data=json.dumps({"token": token, "direction": "entry", "nonce": nonce()}),
        content_type="application/json",
    ).json()


def test_a_purchase_turns_the_code_yellow(
    client, pharmacy, pharmacist, green_person, django_capture_on_commit_callbacks
):
    client.force_login(pharmacist)
    result = scan_at(client, pharmacy, token_for(green_person))
    assert result["result"] == "ok"
    assert result["purchase_url"] == reverse("checkpoint-purchase", args=[pharmacy.pk, result["scan_id"]])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            result["purchase_url"], {"medicine": ["fever", "antibiotic"]}, HTTP_ACCEPT="application/json"
        )
    body = response.json()
    assert body["registered"] and body["created"] and "yellow" in body["message"]
    purchase = Purchase.objects.get()
    assert purchase.medicines == ["fever", "antibiotic"] and purchase.staff == pharmacist
    event = HealthEvent.objects.get()
    assert (event.kind, event.applicant, event.source, event.recorded_by) == (
        "medicine_purchase",
        green_person,
        "pharmacy",
        pharmacist,
    )
    assert "Renmin Pharmacy" in event.note and "Antibiotic" in event.note
    green_person.health_code.refresh_from_db()
    assert green_person.health_code.colour == Colour.YELLOW
    change = green_person.health_code.changes.first()
    assert "medicine_purchase" in change.rules
    # The next scan at any venue stops the buyer.
    assert scan_at(client, pharmacy, token_for(green_person))["result"] == "not_green"


def test_registering_twice_is_one_purchase(pharmacy, pharmacist, green_person, django_capture_on_commit_callbacks):
    """The same form sent twice (a double click; the medicines in another order): one purchase."""
    from checkpoints.services import verify_scan

    result = verify_scan(pharmacy.pk, token_for(green_person), direction="entry", nonce=nonce(), source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        first, created, _ = register_purchase(pharmacy, result.scan_id, staff=pharmacist, medicines=["cough", "fever"])
        again, created_again, earlier = register_purchase(
            pharmacy, result.scan_id, staff=pharmacist, medicines=["fever", "cough"]
        )
    assert created and not created_again and first == again and earlier == ()
    assert Purchase.objects.count() == 1 and HealthEvent.objects.count() == 1


def test_other_medicines_on_the_same_scan_are_a_second_purchase(
    pharmacy, pharmacist, green_person, django_capture_on_commit_callbacks
):
    """They were dropped: the first purchase was returned as if it were this one, and the staff
    member was told the purchase was registered. Now both are recorded, each a health event, and
    the first one's double click still answers with the first."""
    from checkpoints.services import verify_scan

    result = verify_scan(pharmacy.pk, token_for(green_person), direction="entry", nonce=nonce(), source="staff")
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        first = register_purchase(pharmacy, result.scan_id, staff=pharmacist, medicines=["cough"], now=start)
        second = register_purchase(
            pharmacy, result.scan_id, staff=pharmacist, medicines=["antibiotic"], now=start + timedelta(minutes=1)
        )
        first_again = register_purchase(pharmacy, result.scan_id, staff=pharmacist, medicines=["cough"])
        second_again = register_purchase(pharmacy, result.scan_id, staff=pharmacist, medicines=["antibiotic"])
    assert first.created and second.created and second.purchase != first.purchase
    assert second.earlier == (first.purchase,)
    assert (first_again.purchase, first_again.created, first_again.earlier) == (first.purchase, False, ())
    assert (second_again.purchase, second_again.created) == (second.purchase, False)
    assert second_again.earlier == (first.purchase,)  # registered before it, not after
    assert sorted(p.medicines for p in Purchase.objects.all()) == [["antibiotic"], ["cough"]]
    events = HealthEvent.objects.order_by("pk")
    assert [e.source_ref for e in events] == [f"purchase-{first.purchase.pk}", f"purchase-{second.purchase.pk}"]
    assert "Antibiotic" in events[1].note


def test_staff_are_told_of_a_second_purchase_on_the_same_scan(client, pharmacy, pharmacist, green_person):
    client.force_login(pharmacist)
    result = scan_at(client, pharmacy, token_for(green_person))
    first = client.post(result["purchase_url"], {"medicine": ["fever", "cough"]}, HTTP_ACCEPT="application/json")
    assert first.json()["created"] and first.json()["earlier"] == []
    # A minute later the buyer comes back for antibiotics; the staff member uses the same result.
    body = client.post(result["purchase_url"], {"medicine": ["antibiotic"]}, HTTP_ACCEPT="application/json").json()
    assert body["registered"] and body["created"]
    assert body["medicines"] == ["antibiotic"] and body["earlier"] == [["fever", "cough"]]
    assert body["message"].startswith(
        "Another purchase registered for this buyer: Antibiotic. "
        "Registered before on this scan: Fever reducer, Cough medicine."
    )
    # The page without script says the same.
    page = client.post(result["purchase_url"], {"medicine": ["antiviral"]}).content.decode()
    assert "Another purchase registered for this buyer: Antiviral." in page
    assert Purchase.objects.count() == 3 and HealthEvent.objects.count() == 3


def test_a_second_purchase_on_an_old_scan_is_refused_like_a_first(pharmacy, pharmacist, green_person):
    from checkpoints.services import verify_scan

    result = verify_scan(pharmacy.pk, token_for(green_person), direction="entry", nonce=nonce(), source="staff")
    register_purchase(pharmacy, result.scan_id, staff=pharmacist, medicines=["cough"])
    later = timezone.now() + timedelta(hours=1)
    # The same registration sent again still answers as the first time ...
    assert not register_purchase(pharmacy, result.scan_id, staff=pharmacist, medicines=["cough"], now=later).created
    # ... another purchase needs a fresh scan.
    with pytest.raises(PurchaseRefused, match="too old"):
        register_purchase(pharmacy, result.scan_id, staff=pharmacist, medicines=["fever"], now=later)
    assert Purchase.objects.count() == 1


def test_the_page_form_without_script(client, pharmacy, pharmacist, green_person):
    client.force_login(pharmacist)
    page = client.post(
        reverse("checkpoint-verify", args=[pharmacy.pk]),
        {"token": token_for(green_person), "direction": "entry", "nonce": nonce()},
    ).content.decode()
    assert "Register purchase" in page and 'name="medicine"' in page and "Antiviral" in page
    scan = Scan.objects.get()
    response = client.post(reverse("checkpoint-purchase", args=[pharmacy.pk, scan.pk]), {"medicine": ["antiviral"]})
    assert response.status_code == 200 and "Purchase registered" in response.content.decode()
    # Tapped twice: one purchase, and the buyer's notice said again.
    again = client.post(reverse("checkpoint-purchase", args=[pharmacy.pk, scan.pk]), {"medicine": ["antiviral"]})
    page = again.content.decode()
    assert "registered already" in page and "code turns yellow" in page
    assert Purchase.objects.count() == 1


@pytest.mark.parametrize(
    ("medicines", "message"),
    [([], "Choose at least one"), (["aspirin"], "Choose at least one"), (["fever", "vitamins"], "Choose at least one")],
)
def test_medicines_must_come_from_the_list(pharmacy, pharmacist, green_person, medicines, message):
    from checkpoints.services import verify_scan

    result = verify_scan(pharmacy.pk, token_for(green_person), direction="entry", nonce=nonce(), source="staff")
    with pytest.raises(PurchaseRefused, match=message):
        register_purchase(pharmacy, result.scan_id, staff=pharmacist, medicines=medicines)


def test_refused_without_a_valid_fresh_scan_here(client, pharmacy, pharmacist, venue, staff, green_person):
    from checkpoints.services import verify_scan

    bad = verify_scan(pharmacy.pk, "junk", direction="entry", nonce=nonce(), source="staff")
    elsewhere = verify_scan(venue.pk, token_for(green_person), direction="entry", nonce=nonce(), source="staff")
    old = verify_scan(pharmacy.pk, token_for(green_person), direction="entry", nonce=nonce(), source="staff")
    Scan.objects.filter(pk=old.scan_id).update(
        scanned_at=Scan.objects.get(pk=old.scan_id).scanned_at - timedelta(hours=1)
    )
    for scan_id, message in [
        (bad.scan_id, "valid health code first"),
        (elsewhere.scan_id, "not made at this pharmacy"),
        (old.scan_id, "too old"),
        (999999, "not made at this pharmacy"),
    ]:
        with pytest.raises(PurchaseRefused, match=message):
            register_purchase(pharmacy, scan_id, staff=pharmacist, medicines=["fever"])
    client.force_login(pharmacist)
    response = client.post(
        reverse("checkpoint-purchase", args=[pharmacy.pk, bad.scan_id]),
        {"medicine": ["fever"]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400 and response.json()["message"]
    assert not HealthEvent.objects.exists()


def test_only_pharmacies_register_purchases(client, venue, staff, green_person):
    client.force_login(staff)
    result = scan_at(client, venue, token_for(green_person))
    assert result["purchase_url"] is None
    response = client.post(
        reverse("checkpoint-purchase", args=[venue.pk, result["scan_id"]]),
        {"medicine": ["fever"]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400 and "Only pharmacies" in response.json()["message"]


def test_staff_of_another_venue_cannot_register(client, pharmacy, pharmacist, other_staff, green_person):
    client.force_login(pharmacist)
    result = scan_at(client, pharmacy, token_for(green_person))
    client.force_login(other_staff)
    response = client.post(
        reverse("checkpoint-purchase", args=[pharmacy.pk, result["scan_id"]]), {"medicine": ["fever"]}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_scan_of_another_pharmacy_or_none_answers_404(client, pharmacy, pharmacist, green_person, accept):
    """Whose scan it is, and whether it exists, is not this pharmacy's to learn: the same 404
    as another venue's page (it was a 400 saying the scan was not made here)."""
    from checkpoints.services import verify_scan
    from tests.checkpoints.conftest import make_venue

    elsewhere = make_venue("Dongfeng Pharmacy", Venue.Type.PHARMACY)
    theirs = verify_scan(elsewhere.pk, token_for(green_person), direction="entry", nonce=nonce(), source="staff")
    client.force_login(pharmacist)
    for scan_id in (theirs.scan_id, 999999999999999999):
        response = client.post(
            reverse("checkpoint-purchase", args=[pharmacy.pk, scan_id]), {"medicine": ["fever"]}, HTTP_ACCEPT=accept
        )
        assert response.status_code == 404, scan_id
        if accept == "application/json":
            assert response.json()["error"] == "not_found" and response.json()["message"]
    assert not Purchase.objects.exists() and not HealthEvent.objects.exists()


def test_a_purchase_registered_while_the_broker_is_down_is_kept_and_reassessed_later(
    client, pharmacy, pharmacist, green_person, django_capture_on_commit_callbacks
):
    """Redis down: the pharmacist's registration is stored and answered as usual; the
    re-assessment that was lost is done by beat's sweep, once."""
    from declarations.services.events import sweep_unassessed
    from tests.brokers import broker_down

    client.force_login(pharmacist)
    result = scan_at(client, pharmacy, token_for(green_person))
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(result["purchase_url"], {"medicine": ["cough"]}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["registered"]
    assert Purchase.objects.get().medicines == ["cough"]
    assert HealthEvent.objects.get().reassess_due is not None
    green_person.health_code.refresh_from_db()
    assert green_person.health_code.colour == Colour.GREEN

    later = timezone.now() + timedelta(minutes=6)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_unassessed(now=later) == [green_person.pk]
    assert sweep_unassessed(now=later + timedelta(minutes=6)) == []  # done: nothing twice
    green_person.health_code.refresh_from_db()
    assert green_person.health_code.colour == Colour.YELLOW
    assert green_person.health_code.changes.filter(to_colour=Colour.YELLOW).count() == 1
