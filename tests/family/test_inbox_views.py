"""The inbox page and the unread count on the code page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from family.models import Applicant, InboxMessage
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour
from tests import factories


@pytest.fixture
def yellow_citizen(green_citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        change_colour(
            self_applicant(green_citizen).health_code_id,
            Colour.YELLOW,
            source=ColourChange.Source.REVIEW,
            reason="Temperature of 37.3 °C or more.",
        )
    return green_citizen


def test_the_inbox_lists_each_change_with_why_and_what_to_do(client, yellow_citizen):
    client.force_login(yellow_citizen)
    page = client.get(reverse("inbox")).content.decode()
    assert "2 unread" in page
    assert "Temperature of 37.3 °C or more." in page
    assert "Stay at home for observation" in page  # what to do with a yellow code
    assert "it passes at checkpoints" in page  # the first green
    pk = self_applicant(yellow_citizen).pk
    assert reverse("why-colour", args=[pk]) in page and reverse("code", args=[pk]) in page
    # Whose code, then the change: the colon is the language's own (msgid ": ", context
    # "after a label"; a full-width "：" in Chinese), with nothing between it and the change.
    assert "<strong>Your code</strong>: Green →" in page
    assert "<strong>Your code</strong>: Under review →" in page


def test_the_code_page_shows_the_unread_count_until_read(client, yellow_citizen):
    client.force_login(yellow_citizen)
    code_url = reverse("code", args=[self_applicant(yellow_citizen).pk])
    assert "Inbox (2 unread)" in client.get(code_url).content.decode()
    newest = InboxMessage.objects.filter(account=yellow_citizen).order_by("-pk").first()
    response = client.post(reverse("inbox-read"), {"up_to": newest.pk})
    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    page = client.get(code_url).content.decode()
    assert "unread" not in page and reverse("inbox") in page


def test_a_message_that_arrives_meanwhile_stays_unread(client, yellow_citizen, django_capture_on_commit_callbacks):
    client.force_login(yellow_citizen)
    shown = InboxMessage.objects.filter(account=yellow_citizen).order_by("-pk").first().pk
    with django_capture_on_commit_callbacks(execute=True):
        change_colour(self_applicant(yellow_citizen).health_code_id, Colour.RED, source=ColourChange.Source.REVIEW)
    client.post(reverse("inbox-read"), {"up_to": shown})
    assert list(InboxMessage.objects.filter(read_at__isnull=True).values_list("to_colour", flat=True)) == ["red"]


def test_another_accounts_messages_are_neither_shown_nor_marked(client, yellow_citizen, outsider):
    theirs = InboxMessage.objects.filter(account=yellow_citizen)
    client.force_login(outsider)
    page = client.get(reverse("inbox")).content.decode()
    assert "Temperature" not in page and "No messages yet" in page
    client.post(reverse("inbox-read"), {"up_to": max(theirs.values_list("pk", flat=True))})
    assert theirs.filter(read_at__isnull=True).count() == 2


def test_bad_input_gets_a_message_not_an_error(client, yellow_citizen):
    client.force_login(yellow_citizen)
    response = client.post(reverse("inbox-read"), {"up_to": "all"}, follow=True)
    assert response.status_code == 200
    assert "Nothing was marked" in response.content.decode()
    assert InboxMessage.objects.filter(read_at__isnull=True).count() == 2
    assert client.get(reverse("inbox"), {"page": "999"}).status_code == 200
    assert client.get(reverse("inbox-read")).status_code == 405


def test_anonymous_is_sent_to_log_in(client):
    for url in (reverse("inbox"), reverse("inbox-read")):
        response = client.post(url) if url.endswith("read/") else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_family_members_message_links_to_their_code_while_held(client, green_citizen, outsider, declare):
    member = factories.member(green_citizen, name="王奶奶")
    declare(green_citizen, member, name="王奶奶", id_number=member.id_number)
    client.force_login(green_citizen)
    page = client.get(reverse("inbox")).content.decode()
    assert "王*奶 (Parent)" in page and reverse("code", args=[member.pk]) in page
    # Taken over by her own account (family.services.take_over moves the record): the agent
    # keeps the message, without a link to a code that is no longer theirs.
    Applicant.objects.filter(pk=member.pk).update(account=outsider)
    page = client.get(reverse("inbox")).content.decode()
    assert "王*奶 (Parent)" in page and reverse("code", args=[member.pk]) not in page


def test_removing_a_family_member_removes_the_messages_about_them(client, green_citizen, declare):
    member = factories.member(green_citizen, name="王奶奶")
    declare(green_citizen, member, name="王奶奶", id_number=member.id_number)
    client.force_login(green_citizen)
    assert client.post(reverse("family-remove", args=[member.pk])).status_code == 302
    assert not InboxMessage.objects.filter(person_name="王*奶").exists()
    assert "was removed" in client.get(reverse("inbox")).content.decode()  # the notice, shown once
    assert "王*奶" not in client.get(reverse("inbox")).content.decode()
