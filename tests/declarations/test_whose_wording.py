"""Pages about the chosen applicant speak of "the declaration" or name the family member: the
agent reads them, so "your declaration", "applies to you" and "you have checked in" were
wrong for a family member (the Chinese was neutral already)."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from family.services import self_applicant
from tests import factories

SECOND_PERSON = re.compile(r"your declaration|your code|you declared|applies to you\b|you have checked in", re.I)


def text_of(response) -> str:
    """The page's words, without markup: what the reader sees."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def member(citizen):
    return factories.member(citizen)


def test_a_member_under_review(client, citizen, member):
    factories.declared(citizen, member)  # confirmed, its review not yet run
    client.force_login(citizen)
    code = text_of(client.get(reverse("code", args=[member.pk])))
    assert "The declaration is being reviewed. This page refreshes by itself" in code
    why = text_of(client.get(reverse("why-colour", args=[member.pk])))
    assert "The declaration is being reviewed. It usually takes a few seconds." in why
    for page in (code, why):
        assert not SECOND_PERSON.search(page), SECOND_PERSON.search(page)


def test_a_member_waiting_for_a_reviewer(client, citizen, member, declare):
    declare(citizen, member, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    client.force_login(citizen)
    code = text_of(client.get(reverse("code", args=[member.pk])))
    assert "A reviewer is checking the declaration." in code
    why = text_of(client.get(reverse("why-colour", args=[member.pk])))
    assert "Some answers in the declaration did not fit together" in why
    for page in (code, why):
        assert not SECOND_PERSON.search(page), SECOND_PERSON.search(page)


def test_a_green_member_is_named_not_you(client, citizen, member, declare):
    declare(citizen, member)
    client.force_login(citizen)
    why = text_of(client.get(reverse("why-colour", args=[member.pk])))
    assert "None of the published rules applies to your family member 王*明 (Parent): they may pass." in why
    assert not SECOND_PERSON.search(why), SECOND_PERSON.search(why)
    zh = text_of(client.get(reverse("why-colour", args=[member.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"))
    assert "您的家人 王*明（父母）不符合任何公布的赋码规则：可以通行。" in zh
    # The account's own green code still speaks to its holder.
    declare(citizen)
    own = text_of(client.get(reverse("why-colour", args=[self_applicant(citizen).pk])))
    assert "None of the published rules applies to you: you may pass." in own


def test_a_members_code_page_is_not_titled_mine(client, citizen, member, declare):
    declare(citizen, member)
    declare(citizen)
    client.force_login(citizen)
    title = re.compile(r"<title>([^<]*)</title>")
    member_title = title.search(client.get(reverse("code", args=[member.pk])).content.decode()).group(1)
    own_title = title.search(client.get(reverse("code", args=[self_applicant(citizen).pk])).content.decode()).group(1)
    assert "My health code" not in member_title and "Health code" in member_title
    assert "My health code" in own_title


def test_a_member_checked_in_today(client, citizen, member, declare):
    declare(citizen, member)
    client.force_login(citizen)
    data = {"temperature": "36.5", "symptoms": ["none"]}
    client.post(reverse("checkin", args=[member.pk]), data)
    page = text_of(client.get(reverse("checkin", args=[member.pk])))
    assert "Today's check-in is done." in page
    # Another check-in for the day (a second tab with other answers): said neutrally.
    other = {"temperature": "36.7", "symptoms": ["none"]}
    again = text_of(client.post(reverse("checkin", args=[member.pk]), other, follow=True))
    assert "Today's check-in has been done already." in again
    for text in (page, again):
        assert not SECOND_PERSON.search(text), SECOND_PERSON.search(text)


def test_the_confirmation_of_a_members_declaration(client, citizen):
    client.force_login(citizen)
    response = client.post(reverse("family-add"), factories.member_post_data(), follow=True)
    page = text_of(response)
    assert "Confirm the declaration" in page and "Please check your family member's information" in page
    assert not SECOND_PERSON.search(page), SECOND_PERSON.search(page)


def test_a_reason_read_for_a_member_does_not_say_you(citizen, member):
    from declarations.rules import APPEAL_UPHELD, R_RESIDENCE, text_for

    assert text_for(R_RESIDENCE.code, {}) == "The district of residence is a medium- or high-risk area."
    assert text_for(APPEAL_UPHELD, {}) == "The appeal was upheld by two reviewers."


def test_declare_first_is_said_neutrally(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("checkin", args=[self_applicant(citizen).pk]), follow=True)
    assert "Declare first; the daily check-in starts after the declaration." in text_of(response)


def test_a_yellow_members_appeal_page_speaks_of_the_city_on_the_code(client, citizen, member, declare):
    # The member may live in another city than the agent: "a reviewer of your city" was wrong.
    declare(citizen, member, contact="unsure")
    client.force_login(citizen)
    page = text_of(client.get(reverse("appeal", args=[member.pk])))
    assert "A reviewer of the city on the code reads the appeal." in page
    assert not re.search(r"your (city|appeal)", page), re.search(r"your (city|appeal)", page)


def test_a_members_appeal_being_handled_and_the_forms_errors_speak_of_no_you(client, citizen, member, declare):
    from declarations.services import appeals

    declare(citizen, member, contact="unsure")
    client.force_login(citizen)
    checkin = text_of(client.post(reverse("checkin", args=[member.pk]), {"temperature": "36.5"}))
    assert "Tick “None”, or every symptom there is today." in checkin
    appeals.file_appeal(member, citizen, reason="She was at home all month.")
    page = text_of(client.get(reverse("appeal", args=[member.pk])))
    assert "The appeal is being handled." in page
    for text in (checkin, page):
        assert not re.search(r"\byou (have|were|visited)\b|your appeal", text), re.search(
            r"\byou (have|were|visited)\b|your appeal", text
        )
