"""Venue codes (场所码): the poster QR opens the visit page; a citizen registers a visit for
themselves or a family member and sees that person's colour."""

from __future__ import annotations

import re

import zxingcpp
from django.urls import reverse
from PIL import Image

from checkpoints.models import Scan
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour
from tests import factories


def decode_svg(page: str) -> str:
    """Paint the runs of the page's QR SVG path (M x y h w ...) and decode the picture."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', page).group(1))
    path = re.search(r'<path fill="[^"]+" d="([^"]+)"', page).group(1)
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)", path):
        x, y, width = int(x), int(y), int(width)
        image.paste(0, (x * scale, y * scale, (x + width) * scale, (y + 1) * scale))
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    return results[0].text


def place_url(venue) -> str:
    return reverse("place", args=[venue.place_code])


def test_the_visit_page_offers_self_and_family(client, venue, green_citizen):
    member = factories.member(green_citizen, name="王奶奶")
    client.force_login(green_citizen)
    page = client.get(place_url(venue)).content.decode()
    assert venue.name in page
    assert "王*明" in page and "王*奶" in page
    assert 'name="nonce"' in page
    assert f'value="{member.pk}"' in page
    assert not Scan.objects.exists()  # looking registers nothing


def test_registering_a_visit_shows_the_colour(client, venue, green_citizen):
    me = self_applicant(green_citizen)
    client.force_login(green_citizen)
    response = client.post(place_url(venue), {"applicant": me.pk, "nonce": "visit-000001"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Green code: pass" in page and 'data-color="green"' in page and "王*明" in page
    scan = Scan.objects.get()
    assert (scan.venue, scan.applicant, scan.result, scan.colour, scan.source, scan.staff) == (
        venue,
        me,
        "ok",
        "green",
        "venue_code",
        None,
    )


def test_a_visit_for_a_family_member_with_a_yellow_code(client, venue, green_citizen):
    member = factories.member(green_citizen)
    change_colour(member.health_code_id, Colour.YELLOW, source=ColourChange.Source.AUTHORITY, reason="x")
    client.force_login(green_citizen)
    page = client.post(place_url(venue), {"applicant": member.pk, "nonce": "visit-000002"}).content.decode()
    assert "Yellow code: do not enter" in page
    assert Scan.objects.get().result == "not_green"


def test_a_double_submit_is_one_visit(client, venue, green_citizen):
    me = self_applicant(green_citizen)
    client.force_login(green_citizen)
    for _ in range(2):
        client.post(place_url(venue), {"applicant": me.pk, "nonce": "visit-000003"})
    assert Scan.objects.count() == 1


def test_another_accounts_person_is_404(client, venue, green_citizen, outsider):
    client.force_login(outsider)
    response = client.post(place_url(venue), {"applicant": self_applicant(green_citizen).pk, "nonce": "visit-000004"})
    assert response.status_code == 404
    assert not Scan.objects.exists()


def test_bad_input_is_a_message(client, venue, green_citizen):
    client.force_login(green_citizen)
    response = client.post(place_url(venue), {"applicant": "x", "nonce": "visit-000005"})
    assert response.status_code == 400 and "Choose whose visit" in response.content.decode()
    response = client.post(place_url(venue), {"applicant": self_applicant(green_citizen).pk, "nonce": "x"})
    assert response.status_code == 400 and "try again" in response.content.decode()


def test_unknown_or_inactive_venue_codes_are_404(client, venue, green_citizen):
    client.force_login(green_citizen)
    assert client.get(reverse("place", args=["no-such-code"])).status_code == 404
    venue.active = False
    venue.save()
    assert client.get(place_url(venue)).status_code == 404


def test_log_in_first(client, venue):
    response = client.get(place_url(venue))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_poster_qr_opens_the_visit_page(client, venue, manager):
    client.force_login(manager)
    page = client.get(reverse("checkpoint-poster", args=[venue.pk])).content.decode()
    url = f"http://testserver{place_url(venue)}"
    assert url in page and "<svg" in page and "data-print" in page
    # The QR in the poster decodes to that address: paint the SVG's path and read it.
    assert decode_svg(page) == url


def test_only_managers_print_the_poster(client, venue, staff):
    client.force_login(staff)
    assert client.get(reverse("checkpoint-poster", args=[venue.pk])).status_code == 404


def test_a_visits_nonce_cannot_take_a_gates(client, venue, green_citizen, gate_key):
    """The visit page's nonce comes from the citizen's browser: it lives in a namespace of its
    own, so a gate's scan with the same nonce is judged on its own token."""
    import json

    from tests.checkpoints.conftest import token_for

    member = factories.member(green_citizen, name="王奶奶")
    factories.declared(green_citizen, member, name="王奶奶", id_number=member.id_number)
    member.refresh_from_db()
    change_colour(member.health_code_id, Colour.YELLOW, source=ColourChange.Source.AUTHORITY, reason="x")
    client.force_login(green_citizen)
    me = self_applicant(green_citizen)
    assert client.post(place_url(venue), {"applicant": me.pk, "nonce": "gate-1:000099"}).status_code == 200
    response = client.post(
        "/api/v1/verify",
        json.dumps({"token": token_for(member), "direction": "entry", "nonce": "gate-1:000099"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {gate_key[1]}",
    )
    assert response.status_code == 200
    assert response.json()["pass"] is False and response.json()["duplicate"] is False
    # The same visit page for another person of the family (back, choose, submit): a visit of
    # their own, not the first one's, nor the gate's.
    again = client.post(place_url(venue), {"applicant": member.pk, "nonce": "gate-1:000099"})
    assert again.status_code == 200
    visits = Scan.objects.filter(source=Scan.Source.VENUE_CODE).order_by("pk")
    assert [(v.applicant_id, v.colour) for v in visits] == [(me.pk, Colour.GREEN), (member.pk, Colour.YELLOW)]
    # And the same person's page sent again (a double click) is their first visit.
    assert client.post(place_url(venue), {"applicant": member.pk, "nonce": "gate-1:000099"}).status_code == 200
    assert Scan.objects.filter(source=Scan.Source.VENUE_CODE).count() == 2
