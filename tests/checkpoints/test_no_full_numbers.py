"""No full ID number or mobile number on any checkpoint page, API answer or log line."""

import json
import logging
import re

from django.urls import reverse

from checkpoints.models import Scan, VenueStaff
from family.masking import mask_name
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour
from tests import factories
from tests.checkpoints.conftest import make_venue, nonce, token_for

# A number standing on its own: a run of digits inside a hex token (a scan's nonce, a CSP nonce)
# is not one, and matching it made this test fail at random.
FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def _numbers_in(text: str, known: tuple[str, ...] = ()) -> list[str]:
    """Full numbers in `text`: any that looks like one, and each of `known` wherever it appears."""
    return FULL_ID.findall(text) + FULL_PHONE.findall(text) + [number for number in known if number in text]


def test_checkpoint_pages_api_and_logs_show_no_full_number(
    client, green_citizen, pharmacy, pharmacist, gate_key, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    person = self_applicant(green_citizen)
    grandma = factories.member(green_citizen, phone="13911112222")
    change_colour(grandma.health_code_id, Colour.RED, source=ColourChange.Source.AUTHORITY, reason="case")
    venue = gate_key[0].venue
    VenueStaff.objects.create(venue=venue, user=pharmacist, role=VenueStaff.Role.MANAGER)
    # A manager of both, so that every page below is the page itself, not a 404.
    VenueStaff.objects.filter(venue=pharmacy, user=pharmacist).update(role=VenueStaff.Role.MANAGER)
    client.force_login(pharmacist)
    pages: list[tuple[str, str]] = []

    def visit(label, response, shows=""):
        assert response.status_code == 200, (label, response.status_code)
        text = response.content.decode()
        if response["Content-Type"].startswith("application/json"):
            text = json.dumps(response.json(), ensure_ascii=False)  # names as written, unescaped
        # A page about a person shows them, masked: not an error page with no one on it.
        assert shows in text, (label, shows)
        pages.append((label, text))

    for place in (venue, pharmacy):
        for applicant in (person, grandma):
            visit(
                f"verify {place} {applicant.pk}",
                client.post(
                    reverse("checkpoint-verify", args=[place.pk]),
                    {"token": token_for(applicant), "direction": "entry", "nonce": nonce()},
                ),
                shows=mask_name(applicant.name),
            )
    scan = Scan.objects.filter(venue=pharmacy, applicant=person).get()
    with django_capture_on_commit_callbacks(execute=True):
        visit(
            "purchase",
            client.post(reverse("checkpoint-purchase", args=[pharmacy.pk, scan.pk]), {"medicine": ["antiviral"]}),
        )
    for name in ("checkpoint-scan", "checkpoint-log", "checkpoint-manage", "checkpoint-poster"):
        for place in (venue, pharmacy):
            visit(name, client.get(reverse(name, args=[place.pk])))
    visit("checkpoints", client.get(reverse("checkpoints")))
    for applicant in (person, grandma):
        visit(
            "gate api",
            client.post(
                reverse("api-verify"),
                data=json.dumps({"token": token_for(applicant), "direction": "exit", "nonce": nonce()}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {gate_key[1]}",
            ),
            shows=mask_name(applicant.name),
        )
    client.force_login(green_citizen)
    other = make_venue("Unstaffed Park")
    visit("place", client.get(reverse("place", args=[other.place_code])))
    # The visit registered (with a nonce, as the page sends it): its result page names grandma.
    visit(
        "place visit",
        client.post(reverse("place", args=[other.place_code]), {"applicant": grandma.pk, "nonce": nonce()}),
        shows=mask_name(grandma.name),
    )

    assert len(pages) == 18
    known = (person.id_number, grandma.id_number, green_citizen.username, grandma.phone, pharmacist.username)
    found = [(label, _numbers_in(text, known)) for label, text in pages if _numbers_in(text, known)]
    assert found == [], found
    log_text = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records  # the requests logged (axes, tasks, SMS), and none of it holds a number
    assert _numbers_in(log_text, known) == []
    # The full numbers exist (so the search above could have found them), on their own and in text.
    assert _numbers_in(person.id_number + " " + grandma.phone) == [person.id_number, grandma.phone]
    assert _numbers_in(f"ID:{person.id_number}, tel {grandma.phone}.") == [person.id_number, grandma.phone]
    assert _numbers_in("nonce 8e04f61598344d13b7ddc17224266265") == []


def test_the_scanner_page_sent_back_does_not_show_a_number_typed_as_the_code(staff_client, venue, green_person):
    """When a scan comes back (a nonce used before: the back button; a direction or nonce
    edited), the page keeps what was typed in the code box so it can be sent again. Staff type
    or scan whatever a visitor shows, an ID number or a mobile number too: the page showed it
    whole. Only a health code (HC1.…) is kept."""
    url = reverse("checkpoint-verify", args=[venue.pk])
    used = nonce()
    first = staff_client.post(url, {"token": token_for(green_person), "direction": "entry", "nonce": used})
    assert first.status_code == 200
    id_number, phone = green_person.id_number, "13912345678"
    for typed, sent_nonce in ((id_number, used), (f"tel {phone}", "bad"), (f"HC1.{phone}", "bad")):
        response = staff_client.post(url, {"token": typed, "direction": "entry", "nonce": sent_nonce})
        assert response.status_code == 400
        page = response.content.decode()
        assert _numbers_in(page, (id_number, phone)) == [], typed
    kept = staff_client.post(url, {"token": "HC1.abc.def", "direction": "entry", "nonce": "bad"})
    assert "HC1.abc.def" in kept.content.decode()
