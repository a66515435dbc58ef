"""The staff verification page, its scan and upload endpoints, and the venue's scan log."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.urls import reverse

from checkpoints.models import Scan
from checkpoints.services import get_venue_for_staff
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour
from tests.checkpoints.conftest import add_staff, nonce, token_for


def verify_json(client, venue, body):
    return client.post(
        reverse("checkpoint-verify", args=[venue.pk]), data=json.dumps(body), content_type="application/json"
    )


def test_the_scan_page(staff_client, venue):
    response = staff_client.get(reverse("checkpoint-scan", args=[venue.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert venue.name in page
    assert 'id="camera"' in page and 'id="token"' in page
    assert "vendor/jsqr/jsQR.js" in page and "js/checkpoint.js" in page
    assert "Entry" in page and "Exit" in page
    assert "<script>" not in page and "<script>" not in re.sub(r"<script src=[^>]+>", "", page)
    keys = json.loads(re.search(r'data-keys="([^"]+)"', page).group(1).replace("&quot;", '"'))
    assert keys["format"] == "HC1" and keys["keys"][0]["crv"] == "Ed25519"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_manual_form_without_script_shows_pass(staff_client, venue, staff, green_person):
    response = staff_client.post(
        reverse("checkpoint-verify", args=[venue.pk]),
        {"token": token_for(green_person), "direction": "entry", "nonce": nonce()},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-display="green"' in page
    assert "PASS" in page and "Green code" in page and "王*明" in page
    assert green_person.id_number[:4] + "*" * 10 + green_person.id_number[-4:] in page
    assert green_person.id_number not in page
    assert "Code issued" in page
    assert "Next person" in page and reverse("checkpoint-scan", args=[venue.pk]) in page
    assert Scan.objects.get().staff == staff


def test_the_manual_form_shows_stop_with_the_reason(staff_client, venue, green_person):
    change_colour(green_person.health_code_id, Colour.YELLOW, source=ColourChange.Source.AUTHORITY, reason="x")
    page = staff_client.post(
        reverse("checkpoint-verify", args=[venue.pk]),
        {"token": token_for(green_person), "direction": "exit", "nonce": nonce()},
    ).content.decode()
    assert 'data-display="yellow"' in page and "STOP" in page and "Yellow code" in page
    assert "Home observation" in page
    assert "?direction=exit" in page  # the next scan keeps the direction


def test_the_manual_form_with_a_bad_direction_says_so(staff_client, venue, db):
    response = staff_client.post(
        reverse("checkpoint-verify", args=[venue.pk]), {"token": "x", "direction": "up", "nonce": nonce()}
    )
    assert response.status_code == 400
    assert "direction" in response.content.decode()


def test_the_manual_form_sent_back_keeps_the_token_direction_and_scanner(client, venue, manager):
    client.force_login(manager)
    url = reverse("checkpoint-verify", args=[venue.pk])
    response = client.post(url, {"token": "HC1.typed-by-hand", "direction": "exit", "nonce": "bad"})
    page = response.content.decode()
    assert response.status_code == 400 and "nonce must be" in page
    assert ">HC1.typed-by-hand</textarea>" in page
    assert 'value="exit" checked' in page and 'value="entry" checked' not in page  # later scans stay exits
    assert 'data-keys="' in page and reverse("checkpoint-manage", args=[venue.pk]) in page


def test_the_manual_form_sent_again_with_another_code_says_scan_again(staff_client, venue, green_person):
    """The back button, another code typed into the same page, submit: its nonce is taken by
    the first scan. Staff are told to scan again, not about nonces, on a page with a new one."""
    url = reverse("checkpoint-verify", args=[venue.pk])
    used = nonce()
    staff_client.post(url, {"token": token_for(green_person), "direction": "entry", "nonce": used})
    response = staff_client.post(url, {"token": "HC1.another-code", "direction": "entry", "nonce": used})
    page = response.content.decode()
    assert response.status_code == 400
    assert "This page was already used for another scan. Scan the code again." in page
    assert "This nonce was already used" not in page
    assert f'value="{used}"' not in page and 'name="nonce"' in page
    assert Scan.objects.count() == 1


def test_json_scan_for_the_page_script(staff_client, venue, green_person):
    body = verify_json(staff_client, venue, {"token": token_for(green_person), "direction": "entry", "nonce": nonce()})
    data = body.json()
    assert data["result"] == "ok" and data["pass"] is True
    assert data["verdict"] == "PASS" and data["display"] == "green" and data["colour_words"] == "Green code"
    assert data["masked_name"] == "王*明" and data["masked_id"].count("*") == 10
    assert data["issued_text"].startswith("Code issued")
    assert data["purchase_url"] is None  # not a pharmacy


def test_json_scan_of_a_paper_code_says_check_the_id_card(staff_client, venue, green_person):
    from family.services.paper import issue_paper_code

    token = issue_paper_code(green_person)
    data = verify_json(staff_client, venue, {"token": token, "direction": "entry", "nonce": nonce()}).json()
    assert data["result"] == "ok" and data["paper"] is True
    assert data["paper_note"] == "Paper code: check the ID card"


def test_json_scan_of_garbage_is_a_stop_not_an_error(staff_client, venue, db):
    data = verify_json(staff_client, venue, {"token": "hello", "direction": "entry", "nonce": nonce()}).json()
    assert data["result"] == "malformed" and data["verdict"] == "STOP" and data["display"] == "invalid"
    assert data["colour_words"] == "Code not valid"


@pytest.mark.parametrize(
    "body",
    [
        "{oops",
        "[" * 3000,
        "[]",
        json.dumps({"token": "x"}),
        json.dumps({"token": 1, "direction": "entry", "nonce": "abcdefgh"}),
    ],
)
def test_json_scan_bad_input_is_400(staff_client, venue, body):
    response = staff_client.post(
        reverse("checkpoint-verify", args=[venue.pk]), data=body, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["message"]


def test_the_same_nonce_twice_is_one_scan(staff_client, venue, green_person):
    body = {"token": token_for(green_person), "direction": "entry", "nonce": nonce()}
    first = verify_json(staff_client, venue, body).json()
    second = verify_json(staff_client, venue, body).json()
    assert not first["duplicate"] and second["duplicate"]
    assert first["scan_id"] == second["scan_id"]
    assert Scan.objects.count() == 1


def test_offline_upload_is_idempotent(staff_client, venue, staff, green_person):
    made = time.time() - 300
    scans = [
        {"token": token_for(green_person, now=made), "direction": "entry", "nonce": "offline-0001", "scanned_at": made},
        {"token": "junk", "direction": "exit", "nonce": "offline-0002", "scanned_at": made},
        {"token": "x", "direction": "entry", "nonce": "offline-0003", "scanned_at": time.time() - 3 * 86400},
        {"token": "x", "direction": "entry"},
        "not a scan",
    ]
    url = reverse("checkpoint-upload", args=[venue.pk])
    first = staff_client.post(url, data=json.dumps({"scans": scans}), content_type="application/json").json()
    assert [r.get("result") for r in first["results"]] == ["ok", "malformed", None, None, None]
    assert "24 hours" in first["results"][2]["error"]
    second = staff_client.post(url, data=json.dumps({"scans": scans}), content_type="application/json").json()
    assert [r.get("duplicate") for r in second["results"][:2]] == [True, True]
    rows = Scan.objects.order_by("nonce")
    assert [(r.nonce, r.result, r.source, r.staff_id) for r in rows] == [
        ("offline-0001", "ok", "offline", staff.pk),
        ("offline-0002", "malformed", "offline", staff.pk),
    ]
    assert abs(rows[0].scanned_at.timestamp() - made) < 1


@pytest.mark.parametrize(
    "body", ["nope", "[" * 3000, "{}", json.dumps({"scans": "x"}), json.dumps({"scans": [{}] * 501})]
)
def test_offline_upload_bad_input_is_400(staff_client, venue, body):
    url = reverse("checkpoint-upload", args=[venue.pk])
    response = staff_client.post(url, data=body, content_type="application/json")
    assert response.status_code == 400 and response.json()["message"]


def test_staff_of_one_venue_cannot_see_or_use_another(client, venue, other_venue, staff, other_staff, green_person):
    token = token_for(green_person)
    client.force_login(other_staff)
    verify_json(client, other_venue, {"token": token, "direction": "entry", "nonce": nonce()})
    client.force_login(staff)
    for name in ("checkpoint-scan", "checkpoint-log", "checkpoint-manage", "checkpoint-poster"):
        assert client.get(reverse(name, args=[other_venue.pk])).status_code == 404
    assert verify_json(client, other_venue, {"token": token, "direction": "entry", "nonce": nonce()}).status_code == 404
    upload = reverse("checkpoint-upload", args=[other_venue.pk])
    assert client.post(upload, data='{"scans": []}', content_type="application/json").status_code == 404
    assert Scan.objects.filter(venue=other_venue).count() == 1
    # Their own log does not show the other venue's scans either.
    page = client.get(reverse("checkpoint-log", args=[venue.pk])).content.decode()
    assert "No scans yet" in page and "王*明" not in page


def test_citizens_and_anonymous_visitors_get_nothing(client, venue, outsider):
    url = reverse("checkpoint-scan", args=[venue.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("checkpoint-scan", args=[999999])).status_code == 404


def test_an_inactive_venue_is_closed_to_its_staff(staff_client, venue):
    venue.active = False
    venue.save()
    assert staff_client.get(reverse("checkpoint-scan", args=[venue.pk])).status_code == 404


def test_access_helper_roles(venue, staff, manager, outsider):
    assert get_venue_for_staff(staff, venue.pk).role == "staff"
    assert get_venue_for_staff(manager, venue.pk, manager=True).role == "manager"
    from django.http import Http404

    with pytest.raises(Http404):
        get_venue_for_staff(staff, venue.pk, manager=True)
    with pytest.raises(Http404):
        get_venue_for_staff(outsider, venue.pk)


def test_the_venue_list(client, venue, other_venue, staff):
    client.force_login(staff)
    response = client.get(reverse("checkpoints"))
    assert response.status_code == 302 and response["Location"] == reverse("checkpoint-scan", args=[venue.pk])
    add_staff_to = other_venue
    from checkpoints.models import VenueStaff

    VenueStaff.objects.create(venue=add_staff_to, user=staff)
    page = client.get(reverse("checkpoints")).content.decode()
    assert venue.name in page and other_venue.name in page


def test_the_venue_list_for_someone_who_is_not_staff(client, outsider):
    client.force_login(outsider)
    assert "You are not checkpoint staff" in client.get(reverse("checkpoints")).content.decode()


def test_the_log_shows_scans_without_full_numbers(client, venue, staff, green_person):
    client.force_login(staff)
    verify_json(client, venue, {"token": token_for(green_person), "direction": "entry", "nonce": nonce()})
    verify_json(client, venue, {"token": "junk", "direction": "exit", "nonce": nonce()})
    page = client.get(reverse("checkpoint-log", args=[venue.pk])).content.decode()
    assert "王*明" in page and "PASS" in page and "STOP" in page
    assert "Not a health code" in page
    assert "136****0001" in page  # who scanned, masked
    for secret in (green_person.id_number, green_person.phone, staff.username, "王小明"):
        assert secret not in page


def test_a_second_staff_member_sees_the_venue_log(client, venue, staff, green_person):
    colleague = add_staff(venue, "13600000009")
    client.force_login(staff)
    verify_json(client, venue, {"token": token_for(green_person), "direction": "entry", "nonce": nonce()})
    client.force_login(colleague)
    assert "王*明" in client.get(reverse("checkpoint-log", args=[venue.pk])).content.decode()
