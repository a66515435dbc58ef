""" "Why this colour?": the reasons, days served, check-ins done and left, what turns it green."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from declarations.services.checkins import submit_checkin
from declarations.services.explain import explain
from family.services import self_applicant
from tests.declarations.conftest import at


def url(user):
    return reverse("why-colour", args=[self_applicant(user).pk])


def test_a_yellow_code_explains_itself(client, citizen, declare):
    declare(citizen, contact="unsure")
    client.force_login(citizen)
    page = client.get(url(citizen)).content.decode()
    assert "Yellow code" in page
    assert "Not sure about contact with a confirmed or suspected case." in page
    assert "Days served" in page and "Check-ins left" in page
    assert "7 normal daily check-ins on consecutive days" in page
    assert "A missed day starts the count again" in page
    assert reverse("checkin", args=[self_applicant(citizen).pk]) in page
    assert reverse("appeal", args=[self_applicant(citizen).pk]) in page
    assert "History" in page and "Under review → Yellow" in page


def test_a_red_close_contact_cannot_appeal_and_is_told_why(client, citizen, declare):
    declare(citizen, contact="yes")
    client.force_login(citizen)
    page = client.get(url(citizen)).content.decode()
    assert "Red code" in page and "Close contact" in page
    assert "14 normal daily check-ins" in page
    assert "cannot appeal" in page
    assert reverse("appeal", args=[self_applicant(citizen).pk]) not in page


def test_a_green_code_says_no_rule_applies(client, green_citizen):
    client.force_login(green_citizen)
    page = client.get(url(green_citizen)).content.decode()
    assert "None of the published rules applies to you" in page
    assert "Check-ins left" not in page


def test_waiting_for_a_reviewer_is_said_plainly(client, citizen, declare):
    declare(citizen, temperature=Decimal("39.1"), symptoms=["none"])
    client.force_login(citizen)
    page = client.get(url(citizen)).content.decode()
    assert "a reviewer checks it instead of the machine guessing" in page


def test_counts_on_a_controlled_clock(citizen, reviewed):
    reviewed(citizen, at("2026-03-01", 10), contact="unsure")
    applicant = self_applicant(citizen)
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        submit_checkin(applicant, citizen, temperature=Decimal("36.4"), symptoms=["none"], now=at(day, 8))
    applicant.health_code.refresh_from_db()
    # Evening of the 4th: three done (today's included), four left: the 5th to the 8th; green on the 9th.
    x = explain(applicant, now=at("2026-03-04", 20))
    assert (x.days_served, x.checkins_done, x.checkins_left) == (3, 3, 4)
    assert x.checked_in_today is not None
    assert str(x.earliest_green) == "2026-03-09"
    # Morning of the 6th, the 5th missed: the count restarts.
    x = explain(applicant, now=at("2026-03-06", 7))
    assert (x.checkins_done, x.checkins_left) == (0, 7)
    assert str(x.earliest_green) == "2026-03-13"


def test_someone_elses_person_answers_404(client, green_citizen, outsider):
    client.force_login(outsider)
    assert client.get(url(green_citizen)).status_code == 404


def test_the_code_page_shows_the_review_panel(client, citizen, declare):
    declare(citizen, contact="unsure")
    client.force_login(citizen)
    pk = self_applicant(citizen).pk
    page = client.get(reverse("code", args=[pk])).content.decode()
    assert reverse("why-colour", args=[pk]) in page and "Why this colour?" in page
    assert reverse("checkin", args=[pk]) in page and "Daily check-in" in page
    assert "7 more normal daily check-ins" in page
    assert reverse("appeal", args=[pk]) in page
    client.post(reverse("checkin", args=[pk]), {"temperature": "36.5", "symptoms": ["none"]})
    page = client.get(reverse("code", args=[pk])).content.decode()
    assert "Checked in today" in page


def test_no_panel_before_declaring(citizen_client, citizen):
    page = citizen_client.get(reverse("code", args=[self_applicant(citizen).pk])).content.decode()
    assert "Why this colour?" not in page


def test_explain_pending_code_now_is_timezone_aware(citizen):
    assert explain(self_applicant(citizen), now=timezone.now()).colour == "pending"
