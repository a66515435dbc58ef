"""Appeals: filed by the citizen or their family agent, resolved by two reviewers in the admin."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from declarations.models import Appeal, PendingOverride
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests import factories
from tests.declarations.conftest import code_of

APPEALS = "admin:declarations_appeal_changelist"
REASON = "I was in Kaifeng all month; the travel answer was a mistake."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return SimpleUploadedFile("report.png", buffer.getvalue(), content_type="image/png")


def url(applicant):
    return reverse("appeal", args=[applicant.pk])


@pytest.fixture
def yellow(citizen, declare):
    declare(citizen, contact="unsure")
    return citizen


def test_a_citizen_appeals_with_an_image_and_sees_the_status(client, yellow):
    client.force_login(yellow)
    applicant = self_applicant(yellow)
    response = client.post(url(applicant), {"reason": REASON, "image": png()})
    assert response["Location"] == reverse("code", args=[applicant.pk])
    appeal = Appeal.objects.get()
    assert (appeal.colour, appeal.status, appeal.submitted_by) == ("yellow", "open", yellow)
    assert appeal.image.name.startswith("appeals/")
    code_page = client.get(reverse("code", args=[applicant.pk])).content.decode()
    assert "Submitted, waiting for a reviewer" in code_page


def test_a_double_submit_creates_one_appeal(client, yellow):
    client.force_login(yellow)
    applicant = self_applicant(yellow)
    client.post(url(applicant), {"reason": REASON})
    second = client.post(url(applicant), {"reason": REASON})
    assert second.status_code == 302
    assert Appeal.objects.count() == 1


def test_bad_input_is_explained_and_kept(client, yellow):
    client.force_login(yellow)
    applicant = self_applicant(yellow)
    not_an_image = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post(url(applicant), {"reason": "short", "image": not_an_image})
    assert response.status_code == 200
    page = response.content.decode()
    assert "at least 10 characters" in page
    assert "not a picture we can read" in page
    assert "\nshort</textarea>" in page
    assert Appeal.objects.count() == 0


@pytest.mark.parametrize("name", ["report", "report.docx", "报告.heic", "x." + "p" * 300])
def test_a_file_name_without_a_picture_extension_is_told_what_to_choose(client, yellow, name):
    """Django's own message listed Pillow's 80 extensions, PDF among them, on a page that asks
    for a JPEG or PNG photo."""
    client.force_login(yellow)
    upload = SimpleUploadedFile(name, png().read(), content_type="image/png")
    response = client.post(url(self_applicant(yellow)), {"reason": REASON, "image": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a JPEG or PNG photo (a file whose name ends in .jpg, .jpeg or .png)." in page
    # As a word: the page's CSRF token is random letters, "…uTpdfQS…" once in CI.
    assert "Allowed extensions" not in page and not re.search(r"\bpdf\b", page, re.IGNORECASE)
    assert f"\n{REASON}</textarea>" in page
    assert Appeal.objects.count() == 0


def test_too_large_an_image_is_refused(client, yellow, settings):
    settings.HC_APPEAL_IMAGE_MAX_BYTES = 50
    client.force_login(yellow)
    page = client.post(url(self_applicant(yellow)), {"reason": REASON, "image": png((64, 64))}).content.decode()
    assert "too large" in page
    assert Appeal.objects.count() == 0


@pytest.mark.parametrize("answers", [{"contact": "yes"}, {}])
def test_close_contacts_and_green_codes_cannot_appeal(client, citizen, declare, answers):
    declare(citizen, **answers)
    client.force_login(citizen)
    applicant = self_applicant(citizen)
    page = client.get(url(applicant)).content.decode()
    expected = "cannot appeal" if answers else "Only a yellow or red code can be appealed"
    assert expected in page
    assert 'name="reason"' not in page
    client.post(url(applicant), {"reason": REASON})
    assert Appeal.objects.count() == 0


def test_a_confirmed_case_cannot_appeal_even_when_already_red(citizen, declare, django_capture_on_commit_callbacks):
    from declarations.services import record_health_event
    from declarations.services.appeals import appeal_refusal

    declaration = declare(citizen, contact="yes")
    with django_capture_on_commit_callbacks(execute=True):
        record_health_event(
            id_number=declaration.id_number,
            kind="confirmed_case",
            occurred_at=declaration.confirmed_at,
            source="authority",
            source_ref="case-1",
        )
    assert appeal_refusal(self_applicant(citizen)).code == "case_or_contact"


def test_a_family_agent_appeals_for_a_member(client, citizen, declare):
    member = factories.member(citizen)
    declare(citizen, applicant=member, contact="unsure", name=member.name, id_number=member.id_number)
    client.force_login(citizen)
    client.post(url(member), {"reason": REASON})
    assert Appeal.objects.get().applicant == member


def test_someone_elses_person_answers_404(client, yellow, outsider):
    client.force_login(outsider)
    applicant = self_applicant(yellow)
    assert client.get(url(applicant)).status_code == 404
    assert client.post(url(applicant), {"reason": REASON}).status_code == 404


def test_reviewers_uphold_with_four_eyes(client, yellow, reviewer, second_reviewer):
    client.force_login(yellow)
    applicant = self_applicant(yellow)
    client.post(url(applicant), {"reason": REASON, "image": png()})
    appeal = Appeal.objects.get()

    client.force_login(reviewer)
    page = client.get(reverse(APPEALS)).content.decode()
    assert applicant.id_number not in page and "Kaifeng" in page
    image = client.get(reverse("admin:declarations_appeal_image", args=[appeal.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    data = {"action": "uphold", "_selected_action": [appeal.pk], "apply": "1", "reason": "Travel record checked"}
    client.post(reverse(APPEALS), data)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ACCEPTED
    assert code_of(yellow).colour == Colour.YELLOW
    client.force_login(yellow)
    assert "waiting for a second reviewer" in client.get(reverse("code", args=[applicant.pk])).content.decode()

    client.force_login(second_reviewer)
    pending = PendingOverride.objects.get(appeal=appeal)
    client.post(
        reverse("admin:declarations_pendingoverride_changelist"),
        {"action": "approve", "_selected_action": [pending.pk], "apply": "1", "note": ""},
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    assert code_of(yellow).colour == Colour.GREEN
    change = ColourChange.objects.get(to_colour=Colour.GREEN)
    assert change.rules == ["appeal_upheld"] and change.approved_by == second_reviewer


def test_an_appeal_the_second_reviewer_declines_is_told_as_rejected(client, yellow, reviewer, second_reviewer):
    """Upheld by one reviewer, declined by the second: rejected, and told like any rejection."""
    from declarations.services import appeals, reviewers
    from family.models import Notice

    applicant = self_applicant(yellow)
    client.force_login(yellow)
    client.post(url(applicant), {"reason": REASON})
    appeal = Appeal.objects.get()
    appeals.accept_appeal(appeal.pk, reviewer, resolution="Travel record checked")
    pending = PendingOverride.objects.get(appeal=appeal)
    reviewers.decline_override(pending.pk, second_reviewer, note="The CDC list still names you.")
    reviewers.decline_override(pending.pk, second_reviewer, note="The CDC list still names you.")  # twice
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REJECTED
    assert [n.message for n in Notice.objects.filter(account=yellow)] == [
        "The appeal about 王*明's code was not upheld. The reviewer's answer: The CDC list still names you."
    ]
    assert code_of(yellow).colour == Colour.YELLOW


def test_a_reviewer_rejects_with_an_answer_the_citizen_reads(client, yellow, reviewer):
    applicant = self_applicant(yellow)
    client.force_login(yellow)
    client.post(url(applicant), {"reason": REASON})
    appeal = Appeal.objects.get()
    client.force_login(reviewer)
    data = {"action": "reject", "_selected_action": [appeal.pk], "apply": "1", "reason": ""}
    assert "A reason is required" in client.post(reverse(APPEALS), data).content.decode()
    client.post(reverse(APPEALS), data | {"reason": "The CDC list names you."})
    appeal.refresh_from_db()
    assert (appeal.status, appeal.resolved_by) == (Appeal.Status.REJECTED, reviewer)
    client.force_login(yellow)
    page = client.get(reverse("why-colour", args=[applicant.pk])).content.decode()
    assert "Rejected" in page and "The CDC list names you." in page
    # Rejected: a new appeal may be filed.
    assert 'name="reason"' in client.get(url(applicant)).content.decode()


def test_a_rejected_appeal_is_told_once_on_the_code_page_in_the_appellants_language(client, yellow, reviewer):
    """Nothing changes colour, so no colour message tells it: a notice does, once, in the
    language of the account that appealed (not the reviewer's), and a repeat adds none."""
    from declarations.services import appeals
    from family.models import Notice
    from healthcode.services import remember_language

    applicant = self_applicant(yellow)
    remember_language(yellow, "zh-hans")
    client.force_login(yellow)
    client.post(url(applicant), {"reason": REASON})
    appeal = Appeal.objects.get()
    appeals.reject_appeal(appeal.pk, reviewer, resolution="The CDC list names you.")
    appeals.reject_appeal(appeal.pk, reviewer, resolution="The CDC list names you.")  # sent twice
    assert Notice.objects.filter(account=yellow).count() == 1
    page = client.get(reverse("code", args=[applicant.pk])).content.decode()
    assert "申诉未获支持" in page and "The CDC list names you." in page
    assert "申诉未获支持" not in client.get(reverse("code", args=[applicant.pk])).content.decode()  # shown once


def test_another_citys_reviewer_sees_neither_the_appeal_nor_its_image(client, yellow, luoyang_reviewer):
    client.force_login(yellow)
    client.post(url(self_applicant(yellow)), {"reason": REASON, "image": png()})
    appeal = Appeal.objects.get()
    client.force_login(luoyang_reviewer)
    assert list(client.get(reverse(APPEALS)).context["cl"].result_list) == []
    assert client.get(reverse("admin:declarations_appeal_image", args=[appeal.pk])).status_code == 404


def test_an_appeal_sent_again_after_it_was_decided_is_not_a_second_appeal(client, yellow, reviewer):
    """The back button to the filled-in form after the appeal was rejected, then submit: the
    same appeal, not a new one; a new appeal written on a page shown after the decision is."""
    import re

    from declarations.services import appeals

    client.force_login(yellow)
    applicant = self_applicant(yellow)
    page = client.get(url(applicant)).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(latest)" value="([^"]*)"', page))
    client.post(url(applicant), {"reason": REASON} | hidden, follow=True)  # its message shown
    appeals.reject_appeal(Appeal.objects.get().pk, reviewer, resolution="The travel record stands.")
    again = client.post(url(applicant), {"reason": REASON} | hidden, follow=True)
    assert again.redirect_chain[-1][0] == reverse("code", args=[applicant.pk])
    page = again.content.decode()
    assert "This appeal has been decided already; the answer is on the code page." in page
    assert "Your appeal has been received" not in page
    assert Appeal.objects.count() == 1
    page = client.get(url(applicant)).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(latest)" value="([^"]*)"', page))
    client.post(url(applicant), {"reason": REASON + " Here is the ticket."} | hidden)
    assert Appeal.objects.count() == 2
