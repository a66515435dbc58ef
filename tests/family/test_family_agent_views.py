"""Family Agent: apply for family members, the limit, duplicate IDs, take-over, removal, 404s."""

import pytest
from django.urls import reverse

from declarations.models import Declaration
from family.models import Applicant, Notice, Relationship
from family.services import MAX_FAMILY_MEMBERS, self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour
from tests import factories


@pytest.fixture
def agent_client(client, green_citizen):
    client.force_login(green_citizen)
    return client


def _add(client, callbacks, **overrides):
    response = client.post(reverse("family-add"), factories.member_post_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    with callbacks(execute=True):
        return client.post(response["Location"])


def test_form_asks_for_relationship_and_the_agents_commitments(agent_client):
    page = agent_client.get(reverse("family-add")).content.decode()
    for label in ("Name", "ID number", "Mobile number (optional for a child)", "Relationship", "City"):
        assert label in page
    assert "authorised by this person or their guardian" in page
    assert "accompany this person and show the health code" in page
    assert 'value="self"' not in page


def test_add_a_member_confirm_and_get_their_own_code(agent_client, green_citizen, django_capture_on_commit_callbacks):
    response = agent_client.post(reverse("family-add"), factories.member_post_data(contact="unsure"))
    confirm_page = agent_client.get(response["Location"]).content.decode()
    assert "Grandparent" in confirm_page and "Confirm Submission" in confirm_page
    assert Applicant.objects.filter(account=green_citizen).count() == 1  # not before confirming
    with django_capture_on_commit_callbacks(execute=True):
        done = agent_client.post(response["Location"])
    member = Applicant.objects.get(account=green_citizen, relationship=Relationship.GRANDPARENT)
    assert done["Location"] == reverse("code", args=[member.pk])
    assert member.health_code.colour == Colour.YELLOW
    assert member.health_code != self_applicant(green_citizen).health_code
    assert ColourChange.objects.filter(code=member.health_code).count() == 1
    page = agent_client.get(done["Location"]).content.decode()
    assert 'data-color="yellow"' in page
    assert "王*奶" in page
    assert "family member (Grandparent)" in page


def test_double_submit_adds_one_member(agent_client, green_citizen, django_capture_on_commit_callbacks):
    data = factories.member_post_data()
    first = agent_client.post(reverse("family-add"), data)
    agent_client.post(reverse("family-add"), data)
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(first["Location"])
        agent_client.post(first["Location"])
    assert Applicant.objects.filter(account=green_citizen).exclude(relationship="self").count() == 1


def test_the_ninth_member_gets_a_clear_message(agent_client, green_citizen):
    for _ in range(MAX_FAMILY_MEMBERS):
        factories.member(green_citizen)
    page = agent_client.get(reverse("family-add")).content.decode()
    assert "already apply for 8 family members" in page
    response = agent_client.post(reverse("family-add"), factories.member_post_data())
    assert "already apply for 8 family members" in response.content.decode()
    assert Declaration.objects.filter(applicant__isnull=True).count() == 0


def test_the_form_that_added_the_eighth_member_sent_again_shows_their_code(
    agent_client, green_citizen, django_capture_on_commit_callbacks
):
    """A double click or the back button on the form of the member who filled the list: that
    member's code, as the first sending led to, not "you already apply for 8"."""
    for _ in range(MAX_FAMILY_MEMBERS - 1):
        factories.member(green_citizen)
    data = factories.member_post_data()
    first = agent_client.post(reverse("family-add"), data)
    with django_capture_on_commit_callbacks(execute=True):
        done = agent_client.post(first["Location"])
    again = agent_client.post(reverse("family-add"), data)
    assert again.status_code == 302 and again["Location"] == done["Location"]
    # Another form (a new token) is still refused with the message.
    other = agent_client.post(reverse("family-add"), factories.member_post_data())  # a new form token
    assert "already apply for 8 family members" in other.content.decode()


def test_a_draft_confirmed_after_the_list_filled_up_is_refused(agent_client, green_citizen):
    response = agent_client.post(reverse("family-add"), factories.member_post_data())
    for _ in range(MAX_FAMILY_MEMBERS):
        factories.member(green_citizen)
    refused = agent_client.post(response["Location"], follow=True)
    assert "already apply for 8 family members" in refused.content.decode()
    assert Applicant.objects.filter(account=green_citizen).exclude(relationship="self").count() == 8
    assert Declaration.objects.get(applicant__isnull=True).status == Declaration.Status.DRAFT


def test_a_person_held_by_another_account_cannot_be_added(agent_client, outsider):
    held = factories.member(outsider, name="李大爷")
    page = agent_client.post(
        reverse("family-add"), factories.member_post_data(id_number=held.id_number)
    ).content.decode()
    assert "already registered for another person" in page
    assert outsider.username not in page and "李大爷" not in page


def test_edit_a_member_with_the_commitments_again(agent_client, green_citizen, django_capture_on_commit_callbacks):
    _add(agent_client, django_capture_on_commit_callbacks)
    member = Applicant.objects.get(account=green_citizen, relationship="grandparent")
    page = agent_client.get(reverse("family-declare", args=[member.pk])).content.decode()
    assert f'value="{member.id_number}"' in page
    data = factories.member_post_data(id_number=member.id_number, relationship="parent", name="王奶奶")
    del data["commitment_truthful"]
    assert (
        "Please tick this commitment"
        in agent_client.post(reverse("family-declare", args=[member.pk]), data).content.decode()
    )
    data["commitment_truthful"] = "on"
    data["street_address"] = "9 Renmin Road"
    response = agent_client.post(reverse("family-declare", args=[member.pk]), data)
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(response["Location"])
    member.refresh_from_db()
    assert member.relationship == "parent"
    assert member.declarations.count() == 2


def test_switch_applicants_lists_people_with_colours_and_remembers(
    agent_client, green_citizen, django_capture_on_commit_callbacks
):
    _add(agent_client, django_capture_on_commit_callbacks, contact="unsure")
    member = Applicant.objects.get(account=green_citizen, relationship="grandparent")
    page = agent_client.get(reverse("code-switch")).content.decode()
    me = self_applicant(green_citizen)
    # Full names on the account's own list: masked, two children could read the same (王*).
    assert page.index(me.name) < page.index(member.name)  # self first, then family members
    assert "王*" not in page
    assert 'data-color="green"' in page and 'data-color="yellow"' in page
    assert reverse("code", args=[member.pk]) in page
    agent_client.get(reverse("code", args=[member.pk]))
    assert agent_client.get(reverse("code-home"))["Location"] == reverse("code", args=[member.pk])
    agent_client.get(reverse("code", args=[me.pk]))
    assert agent_client.get(reverse("code-home"))["Location"] == reverse("code", args=[me.pk])


def test_the_chosen_applicant_outlives_the_session_and_the_phone(agent_client, green_citizen, outsider):
    from django.test import Client

    member = factories.member(green_citizen)
    other = factories.member(green_citizen, name="王小红")
    agent_client.get(reverse("code", args=[member.pk]))
    agent_client.get(reverse("code", args=[other.pk]), HTTP_SEC_PURPOSE="prefetch")  # not a choice
    agent_client.logout()
    agent_client.force_login(green_citizen)
    assert agent_client.get(reverse("code-home"))["Location"] == reverse("code", args=[member.pk])
    other_phone = Client()
    other_phone.force_login(green_citizen)
    assert other_phone.get(reverse("code-home"))["Location"] == reverse("code", args=[member.pk])
    # Another account's choice is its own; a member no longer held is not opened.
    stranger = Client()
    stranger.force_login(outsider)
    assert stranger.get(reverse("code-home"))["Location"] != reverse("code", args=[member.pk])
    member.delete()
    assert other_phone.get(reverse("code-home"))["Location"] == reverse("code", args=[self_applicant(green_citizen).pk])


def test_remove_a_green_member_but_not_a_yellow_one(agent_client, green_citizen):
    green = factories.member(green_citizen)
    change_colour(green.health_code_id, Colour.GREEN, source=ColourChange.Source.REVIEW)
    yellow = factories.member(green_citizen)
    change_colour(yellow.health_code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW)
    assert "Remove" in agent_client.get(reverse("family-remove", args=[green.pk])).content.decode()
    agent_client.post(reverse("family-remove", args=[green.pk]))
    assert not Applicant.objects.filter(pk=green.pk).exists()
    refused = agent_client.post(reverse("family-remove", args=[yellow.pk]))
    assert refused.status_code == 409
    assert "cannot be removed until the code is green" in refused.content.decode()
    assert Applicant.objects.filter(pk=yellow.pk).exists()
    me = self_applicant(green_citizen)
    assert agent_client.post(reverse("family-remove", args=[me.pk])).status_code == 409


def test_take_over_by_the_person_themselves(client, green_citizen, django_capture_on_commit_callbacks):
    agent_client = client
    agent_client.force_login(green_citizen)
    _add(agent_client, django_capture_on_commit_callbacks, phone="13911112222", name="王奶奶")
    member = Applicant.objects.get(account=green_citizen, relationship="grandparent")
    agent_client.logout()

    grandma = factories.account("13911112222")
    client.force_login(grandma)
    data = factories.post_data(id_number=member.id_number, name="王奶奶", phone="13911112222")
    response = client.post(reverse("declare"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"])
    member.refresh_from_db()
    assert member.account == grandma and member.relationship == Relationship.SELF
    assert Applicant.objects.filter(account=grandma).count() == 1
    assert member.declarations.count() == 2  # history kept

    client.force_login(green_citizen)
    assert client.get(reverse("code", args=[member.pk])).status_code == 404
    notice = Notice.objects.get(account=green_citizen)
    page = client.get(reverse("code-home"), follow=True).content.decode()
    assert notice.message in page and "王*奶" in notice.message
    assert "now holds their own health code" not in client.get(reverse("code-home"), follow=True).content.decode()


def test_take_over_needs_the_number_the_agent_entered(client, green_citizen):
    member = factories.member(green_citizen, phone="13911112222")
    stranger = factories.account("13933334444")
    client.force_login(stranger)
    page = client.post(
        reverse("declare"), factories.post_data(id_number=member.id_number, name=member.name)
    ).content.decode()
    assert "already registered for another person" in page
    member.refresh_from_db()
    assert member.account == green_citizen


def test_another_accounts_member_answers_404_everywhere(client, green_citizen, outsider):
    member = factories.member(green_citizen)
    client.force_login(outsider)
    for name in ("code", "code-qr", "family-declare", "family-remove", "family-paper"):
        url = reverse(name, args=[member.pk])
        assert client.get(url).status_code == 404, url
    for name in ("family-declare", "family-remove", "family-paper", "family-paper-revoke"):
        assert client.post(reverse(name, args=[member.pk])).status_code == 404, name
    assert Applicant.objects.filter(pk=member.pk, account=green_citizen).exists()


def test_the_take_over_notice_is_in_the_agents_language(client, green_citizen, django_capture_on_commit_callbacks):
    """The agent reads Chinese; the person taking over uses the site in English."""
    green_citizen.language = "zh-hans"
    green_citizen.save(update_fields=["language"])
    member = factories.member(green_citizen, phone="13911112222", name="王奶奶")
    client.force_login(factories.account("13911112222"))
    response = client.post(
        reverse("declare"), factories.post_data(id_number=member.id_number, name="王奶奶", phone="13911112222")
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    message = Notice.objects.get(account=green_citizen).message
    assert "王*奶" in message and "now holds" not in message
    assert "健康码" in message


def test_a_member_under_review_cannot_be_removed(agent_client, green_citizen):
    """Removing and adding again would start a person a reviewer may yet find yellow afresh."""
    pending = factories.member(green_citizen)
    assert pending.health_code.colour == Colour.PENDING
    refused = agent_client.post(reverse("family-remove", args=[pending.pk]))
    assert refused.status_code == 409 and "under review" in refused.content.decode()
    assert Applicant.objects.filter(pk=pending.pk).exists()
