"""Family pages' POSTs sent twice in a row (a double click, a browser's retry) or again after
the state moved on (the back button, then submit): one thing done, and the second answer is
the first one's, never an error for a click that worked. (Two at once, on Postgres:
tests/integration/test_double_submit.py.)"""

import re
import time

from django.contrib.messages import get_messages
from django.urls import reverse

from family.models import Applicant
from family.services import self_applicant
from family.services.paper import issue_paper_code
from healthcode import verification
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour
from tests import factories


def form_fields(page: str, action: str | None = None) -> dict[str, str]:
    """The hidden fields of the page's form (the one posting to `action`, else the first)."""
    forms = re.findall(r"<form([^>]*)>(.*?)</form>", page, flags=re.S)
    for attributes, body in forms:
        if action is None or f'action="{action}"' in attributes:
            return {
                name: value
                for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body)
                if name != "csrfmiddlewaretoken"
            }
    raise AssertionError(f"no form for {action}")


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def green_member(user):
    member = factories.member(user)
    change_colour(member.health_code_id, Colour.GREEN, source=ColourChange.Source.REVIEW)
    return member


# ---------------------------------------------------------------------------------------
# Remove a family member


def test_removing_a_member_twice_says_removed_both_times(client, green_citizen):
    client.force_login(green_citizen)
    member = green_member(green_citizen)
    url = reverse("family-remove", args=[member.pk])
    data = form_fields(client.get(url).content.decode())
    first = client.post(url, data)
    assert first.status_code == 302
    again = client.post(url, data)
    assert again.status_code == 302, again.status_code  # was a 404: the person is gone
    assert again["Location"] == reverse("code-switch")
    assert any("was removed from your family list" in m for m in said(again))
    assert not Applicant.objects.filter(pk=member.pk).exists()


def test_a_removal_form_says_nothing_about_a_person_it_was_not_made_for(client, green_citizen, outsider):
    """The form's proof that the page was shown to this account for this person: another
    account's form, or none, is a 404 as before, for an existing person or a removed one."""
    client.force_login(green_citizen)
    member = green_member(green_citizen)
    url = reverse("family-remove", args=[member.pk])
    data = form_fields(client.get(url).content.decode())
    client.post(url, data)
    assert client.post(url).status_code == 404
    other = green_member(outsider)
    assert client.post(reverse("family-remove", args=[other.pk]), data).status_code == 404
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    assert Applicant.objects.filter(pk=other.pk).exists()


def test_a_member_turned_yellow_after_the_page_was_shown_is_not_removed(client, green_citizen):
    client.force_login(green_citizen)
    member = green_member(green_citizen)
    url = reverse("family-remove", args=[member.pk])
    data = form_fields(client.get(url).content.decode())
    change_colour(member.health_code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW)
    assert client.post(url, data).status_code == 409
    assert Applicant.objects.filter(pk=member.pk).exists()


# ---------------------------------------------------------------------------------------
# Paper codes


def test_issuing_a_paper_code_twice_issues_one(client, green_citizen):
    client.force_login(green_citizen)
    applicant = self_applicant(green_citizen)
    url = reverse("family-paper", args=[applicant.pk])
    data = form_fields(client.get(url).content.decode())
    client.post(url, data)
    applicant.health_code.refresh_from_db()
    issued = applicant.health_code.paper_issued_at
    again = client.post(url, data)
    assert again.status_code == 302
    applicant.health_code.refresh_from_db()
    assert applicant.health_code.paper_issued_at == issued  # the first one still passes


def test_a_stale_issue_form_does_not_revoke_the_paper_code_printed_since(client, green_citizen):
    """Issue, print; the back button shows the page with the old code and its "Issue a new
    paper code": sent again, it must not revoke what was printed in between."""
    client.force_login(green_citizen)
    applicant = self_applicant(green_citizen)
    url = reverse("family-paper", args=[applicant.pk])
    printed_first = issue_paper_code(applicant, now=time.time() - 1000)
    stale = form_fields(client.get(url).content.decode(), action=None)
    client.post(url, stale)  # the new one, printed
    applicant.refresh_from_db()
    from family.services.paper import paper_token

    printed = paper_token(applicant)
    assert printed != printed_first
    client.post(url, stale)  # the old page's button again
    assert verification.check(printed).code == "ok"
    # The current page's button still issues a new one.
    client.post(url, form_fields(client.get(url).content.decode()))
    assert verification.check(printed).code == "revoked"


def test_revoking_from_a_page_opened_before_a_new_paper_code_revokes_the_new_one(client, green_citizen):
    """A paper lost after another was printed from another phone: "Revoke" on the page opened
    before must stop the paper that passes now (revoking is never the harm). Twice is once."""
    client.force_login(green_citizen)
    applicant = self_applicant(green_citizen)
    url = reverse("family-paper", args=[applicant.pk])
    revoke = reverse("family-paper-revoke", args=[applicant.pk])
    issue_paper_code(applicant, now=time.time() - 1000)
    stale = form_fields(client.get(url).content.decode(), action=revoke)
    new = issue_paper_code(applicant)
    for _ in range(2):  # a double click: "revoked" both times
        response = client.post(revoke, stale)
        assert response.status_code == 302
        assert any("was revoked" in m for m in said(response))
    assert verification.check(new).code == "revoked"


# ---------------------------------------------------------------------------------------
# Delete the account


def test_deleting_the_account_twice_says_deleted_both_times(client, green_citizen):
    """The double click's second POST comes with the session cookie the first ended."""
    from healthcode.models import User
    from tests.client import Client

    client.force_login(green_citizen)
    page = client.get(reverse("my-data")).content.decode()
    data = form_fields(page, action=reverse("account-delete")) | {"password": "Sturdy-pass-2026"}
    cookies = client.cookies
    first = client.post(reverse("account-delete"), data)
    assert first["Location"] == reverse("account-deleted")
    second_click = Client()
    second_click.cookies = cookies
    again = second_click.post(reverse("account-delete"), data)
    assert again.status_code == 302
    assert again["Location"] == reverse("account-deleted")  # was the login page
    assert not User.objects.filter(pk=green_citizen.pk).exists()


def test_a_deletion_sent_without_a_session_for_an_account_that_is_there_asks_to_log_in(client, green_citizen):
    client.force_login(green_citizen)
    page = client.get(reverse("my-data")).content.decode()
    data = form_fields(page, action=reverse("account-delete")) | {"password": "Sturdy-pass-2026"}
    client.logout()  # the session ran out before the form was sent
    response = client.post(reverse("account-delete"), data)
    assert response["Location"].startswith(reverse("login"))
    from healthcode.models import User

    assert User.objects.filter(pk=green_citizen.pk).exists()
