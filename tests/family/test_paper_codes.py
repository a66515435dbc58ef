import re

from django.urls import reverse

from family.services import self_applicant
from family.services.paper import issue_paper_code
from healthcode import qr, verification
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour
from tests.qrdecode import decode


def test_paper_code_verifies_with_the_live_colour(green_citizen):
    applicant = self_applicant(green_citizen)
    token = issue_paper_code(applicant)
    result = verification.check(token)
    assert result.code == "ok" and result.claims.paper
    assert result.claims.expires_at - result.claims.issued_at == 30 * 86400
    change_colour(applicant.health_code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW)
    assert verification.check(token).code == "not_green"


def test_reissuing_revokes_the_old_paper_code(green_citizen):
    applicant = self_applicant(green_citizen)
    old = issue_paper_code(applicant, now=1_800_000_000)
    new = issue_paper_code(applicant, now=1_800_000_000)  # the same second still differs
    assert old != new
    assert verification.check(old, now=1_800_000_100).code == "revoked"
    assert verification.check(new, now=1_800_000_100).code == "ok"


def test_paper_page_prints_masked_data_and_a_qr_that_decodes(client, green_citizen):
    client.force_login(green_citizen)
    applicant = self_applicant(green_citizen)
    url = reverse("family-paper", args=[applicant.pk])
    assert "Issue a paper code" in client.get(url).content.decode()
    client.post(url)
    page = client.get(url).content.decode()
    assert "check ID card" in page
    assert "王*明" in page and applicant.id_number not in page
    assert re.search(r"\d{4}-\d{2}-\d{2}", page)
    assert page.count("<svg") == 1


def test_revoke_from_the_page(client, green_citizen):
    client.force_login(green_citizen)
    applicant = self_applicant(green_citizen)
    token = issue_paper_code(applicant)
    client.post(reverse("family-paper-revoke", args=[applicant.pk]))
    assert verification.check(token).code == "revoked"


def test_the_paper_qr_decodes_to_the_token():
    token = "HC1.00000000.AAAA.BBBB"
    assert decode(qr.matrix(token), scale=6) == token
