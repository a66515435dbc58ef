"""The daily check-in page."""

from django.urls import reverse

from declarations.models import CheckIn
from family.services import self_applicant
from healthcode.colours import Colour
from tests import factories
from tests.declarations.conftest import code_of


def url(user):
    return reverse("checkin", args=[self_applicant(user).pk])


def test_the_form_has_labels_and_no_preselected_answer(client, green_citizen):
    client.force_login(green_citizen)
    page = client.get(url(green_citizen)).content.decode()
    assert "Body temperature today (°C)" in page and "Symptoms today" in page
    assert 'for="id_temperature"' in page
    assert "checked" not in page
    assert "Check in" in page


def test_a_normal_checkin_is_recorded_once_even_when_submitted_twice(client, green_citizen):
    client.force_login(green_citizen)
    data = {"temperature": "36.6", "symptoms": ["none"]}
    first = client.post(url(green_citizen), data)
    second = client.post(url(green_citizen), data)
    why = reverse("why-colour", args=[self_applicant(green_citizen).pk])
    assert first["Location"] == second["Location"] == why
    assert CheckIn.objects.count() == 1
    page = client.get(url(green_citizen)).content.decode()
    assert "Today's check-in is done." in page and "36.6" in page


def test_bad_input_is_explained_at_the_field_and_kept(client, green_citizen):
    client.force_login(green_citizen)
    response = client.post(url(green_citizen), {"temperature": "45", "symptoms": ["none", "cough"]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "at most 42.0" in page
    assert "cannot be ticked together" in page
    assert 'value="45"' in page
    assert CheckIn.objects.count() == 0


def test_garbage_is_a_form_error_not_a_500(client, green_citizen):
    client.force_login(green_citizen)
    response = client.post(url(green_citizen), {"temperature": "hot", "symptoms": ["teleportation"]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter the temperature as a number" in page
    assert "Choose from the symptoms listed" in page
    response = client.post(url(green_citizen), {})
    assert response.status_code == 200
    assert "Tick “None”" in response.content.decode()


def test_an_abnormal_checkin_escalates_and_says_so(client, green_citizen):
    client.force_login(green_citizen)
    response = client.post(url(green_citizen), {"temperature": "38.2", "symptoms": ["fever"]}, follow=True)
    assert code_of(green_citizen).colour == Colour.YELLOW
    assert "not normal" in response.content.decode()


def test_a_family_agent_checks_in_for_a_member(client, citizen, declare):
    member = factories.member(citizen)
    client.force_login(citizen)
    response = client.post(reverse("checkin", args=[member.pk]), {"temperature": "36.5", "symptoms": ["none"]})
    assert response.status_code == 302
    assert CheckIn.objects.get().applicant == member


def test_someone_elses_person_answers_404(client, green_citizen, outsider):
    client.force_login(outsider)
    assert client.get(url(green_citizen)).status_code == 404
    assert client.post(url(green_citizen), {"temperature": "36.5", "symptoms": ["none"]}).status_code == 404
    assert CheckIn.objects.count() == 0


def test_not_declared_yet_is_sent_to_the_code_page(citizen_client, citizen):
    response = citizen_client.get(url(citizen))
    assert response["Location"] == reverse("code", args=[self_applicant(citizen).pk])


def test_anonymous_is_sent_to_log_in(client, green_citizen):
    response = client.get(url(green_citizen))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_abnormal_checkin_sent_twice_tells_the_new_colour_both_times(client, green_citizen):
    """A double click on a fever check-in: one row, one colour change, and the second answer
    (the one the browser shows) still says the code turned yellow and to see a fever clinic,
    not only "done already"."""
    from django.contrib.messages import get_messages

    from healthcode.models import ColourChange

    client.force_login(green_citizen)
    data = {"temperature": "38.6", "symptoms": ["fever"]}
    client.post(url(green_citizen), data)
    changes = ColourChange.objects.count()
    second = client.post(url(green_citizen), data)
    shown = [str(m) for m in get_messages(second.wsgi_request)]
    assert any("the code is now Yellow" in m for m in shown[1:]), shown  # [0]: the first answer's
    assert not any("done already" in m for m in shown), shown
    assert CheckIn.objects.count() == 1
    assert ColourChange.objects.count() == changes
    assert code_of(green_citizen).colour == Colour.YELLOW
    # Another check-in the same day (other answers) is still "done already".
    third = client.post(url(green_citizen), {"temperature": "36.5", "symptoms": ["none"]})
    assert any("check-in has been done already" in str(m) for m in get_messages(third.wsgi_request))
