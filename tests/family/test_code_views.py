import json
import re

from django.urls import reverse

from family.services import self_applicant
from healthcode import verification


def test_green_code_page(client, green_citizen):
    client.force_login(green_citizen)
    applicant = self_applicant(green_citizen)
    response = client.get(reverse("code", args=[applicant.pk]))
    page = response.content.decode()
    assert 'data-color="green"' in page
    assert "Green code" in page
    assert "王*明" in page
    assert applicant.id_number[:4] + "*" * 10 + applicant.id_number[-4:] in page
    assert applicant.id_number not in page
    # The phone draws the QR from the token the page carries (static/js/code.js); without
    # JavaScript it shows the server's SVG of a token of its own.
    token = re.search(r'data-token="([^"]+)"', page).group(1)
    assert verification.check(token).code == "ok"
    assert 'data-fill="#0a7d38"' in page
    assert reverse("code-qr-svg", args=[applicant.pk]) in page and "<noscript>" in page
    assert 'id="clock"' in page
    assert "Family Agent" in page and "Refresh" in page
    assert "Zhengzhou" in page
    assert "no-store" in response["Cache-Control"]


def test_qr_json_gives_a_fresh_token_that_verifies(client, green_citizen):
    client.force_login(green_citizen)
    applicant = self_applicant(green_citizen)
    data = json.loads(client.get(reverse("code-qr", args=[applicant.pk])).content)
    assert data["colour"] == "green"
    assert data["fill"] == "#0a7d38"
    assert verification.check(data["token"]).code == "ok"
    assert data["lifetime"] <= 60


def test_qr_svg_for_phones_without_javascript(client, green_citizen):
    from tests.checkpoints.test_places import decode_svg

    client.force_login(green_citizen)
    response = client.get(reverse("code-qr-svg", args=[self_applicant(green_citizen).pk]))
    assert response["Content-Type"] == "image/svg+xml"
    assert "no-store" in response["Cache-Control"]
    assert verification.check(decode_svg(response.content.decode())).code == "ok"


def test_qr_svg_of_a_code_not_issued_yet_is_404(citizen_client, citizen):
    assert citizen_client.get(reverse("code-qr-svg", args=[self_applicant(citizen).pk])).status_code == 404


def test_pending_code_says_under_review_and_refreshes(client, citizen, django_capture_on_commit_callbacks):
    from tests import factories

    factories.declared(citizen)  # the review is enqueued on commit, which does not happen here
    client.force_login(citizen)
    page = client.get(reverse("code", args=[self_applicant(citizen).pk])).content.decode()
    assert 'data-color="pending"' in page
    assert "being reviewed" in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "data-token" not in page
    # Nothing to renew: Refresh is hidden, and the QR's own hint is not shown.
    assert re.search(r'<button[^>]*id="refresh"[^>]*\bhidden\b', page)
    assert "The QR renews itself" not in page


def test_a_declaration_waiting_for_a_reviewer_says_so_and_reloads_once_a_minute(client, citizen, declare):
    from decimal import Decimal

    declare(citizen, temperature=Decimal("39.2"), symptoms=["none"])  # does not fit together
    client.force_login(citizen)
    page = client.get(reverse("code", args=[self_applicant(citizen).pk])).content.decode()
    assert 'data-color="pending"' in page
    assert "Some answers need a reviewer" in page and "usually takes a few seconds" not in page
    assert '<meta http-equiv="refresh" content="60">' in page
    assert 'class="spinner"' not in page


def test_family_agent_on_a_family_members_code_opens_the_people_not_an_empty_form(client, green_citizen, declare):
    from tests import factories

    member = factories.member(green_citizen, name="王秀英")
    declare(green_citizen, member, name="王秀英", id_number=member.id_number)
    client.force_login(green_citizen)
    own = client.get(reverse("code", args=[self_applicant(green_citizen).pk])).content.decode()
    theirs = client.get(reverse("code", args=[member.pk])).content.decode()

    def family_agent_href(page: str) -> str:
        return re.search(r'<a class="button button-secondary family-agent" href="([^"]+)">Family Agent</a>', page)[1]

    assert family_agent_href(own) == reverse("family-add")
    assert family_agent_href(theirs) == reverse("code-switch")
    # There: the people with their tools, and Family Agent's own part with "Add a family member".
    switch = client.get(family_agent_href(theirs)).content.decode()
    assert "王秀英" in switch and reverse("family-declare", args=[member.pk]) in switch
    assert 'id="family-agent"' in switch and reverse("family-add") in switch
    assert "Add a family member" in switch


def test_no_declaration_yet_offers_to_declare(citizen_client, citizen):
    page = citizen_client.get(reverse("code", args=[self_applicant(citizen).pk])).content.decode()
    assert "You have not declared yet" in page
    assert reverse("declare") in page


def test_another_accounts_code_answers_404(client, green_citizen, outsider):
    client.force_login(outsider)
    pk = self_applicant(green_citizen).pk
    assert client.get(reverse("code", args=[pk])).status_code == 404
    assert client.get(reverse("code-qr", args=[pk])).status_code == 404
    assert client.get(reverse("code-qr-svg", args=[pk])).status_code == 404
    assert client.get(reverse("code", args=[999999])).status_code == 404


def test_anonymous_is_sent_to_log_in(client, green_citizen):
    pk = self_applicant(green_citizen).pk
    for url in (reverse("code", args=[pk]), reverse("code-qr", args=[pk]), reverse("code-home")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_code_page_costs_a_fixed_number_of_queries(client, green_citizen, settings, django_assert_num_queries):
    """The hottest page: the session from Redis (healthcode/sessions.py), then two queries:
    the user, and the person with their code, city, unread inbox count, notices flag and the
    review panel's facts (family/services/codepage.py); no more however long the history grows."""
    settings.SESSION_ENGINE = "healthcode.sessions"
    client.force_login(green_citizen)
    url = reverse("code", args=[self_applicant(green_citizen).pk])
    client.get(url)  # the first view remembers the choice in the session
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200


def test_the_code_page_counts_unread_messages_and_shows_notices_once(client, green_citizen):
    from family.models import InboxMessage, Notice

    client.force_login(green_citizen)
    url = reverse("code", args=[self_applicant(green_citizen).pk])
    InboxMessage.objects.filter(account=green_citizen).update(read_at=None)
    unread = InboxMessage.objects.filter(account=green_citizen).count()
    assert unread >= 1  # the colour change's message
    Notice.objects.create(account=green_citizen, message="Your father now holds his own code.")
    # A browser's prefetch is not the person seeing it: the notice waits for them.
    assert "Your father now holds his own code." in client.get(url, HTTP_SEC_PURPOSE="prefetch").content.decode()
    page = client.get(url).content.decode()
    assert f"Inbox ({unread} unread)" in page
    assert "Your father now holds his own code." in page
    assert "Your father now holds his own code." not in client.get(url).content.decode()
