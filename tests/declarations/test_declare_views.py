import re

from django.urls import reverse

from declarations.models import Declaration
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import City
from tests import factories

ID = factories.valid_id()

LABELS = [
    "Name",
    "ID number",
    "Mobile number",
    "District",
    "Street address",
    "Body temperature (°C)",
    "Symptoms in the past 14 days",
    "Have you been to a medium or high risk area in the past 14 days?",
    "Have you had contact with a confirmed or suspected case in the past 14 days?",
    "I promise that the information above is true and complete.",
    "I agree that this information is used for epidemic prevention only.",
]


def test_form_has_a_visible_label_for_every_field(citizen_client):
    page = citizen_client.get(reverse("declare") + "?city=410300").content.decode()
    for label in LABELS:
        assert label in page
    assert 'value="' in page and "Submit" in page
    # Every input that is not hidden has a <label for=...> (or sits inside one).
    for input_id in re.findall(r'<(?:input|select)[^>]*type="(?:text|number)"[^>]*id="([^"]+)"', page):
        assert f'for="{input_id}"' in page
    # The city chosen on the city page is preselected.
    assert re.search(r'<option value="\d+" selected>Luoyang', page)


def test_invalid_input_keeps_what_was_typed_and_explains_each_field(citizen_client):
    data = factories.post_data(id_number="110105194912310021", temperature="45", name="李四")
    del data["commitment_consent"]
    response = citizen_client.post(reverse("declare"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "last character does not match" in page
    assert "at most 42.0" in page
    assert "Please tick this commitment" in page
    assert 'value="110105194912310021"' in page
    assert 'value="李四"' in page
    assert 'value="45"' in page
    assert Declaration.objects.count() == 0


def test_none_with_a_symptom_and_missing_area_are_explained(citizen_client):
    data = factories.post_data(symptoms=["none", "cough"], travel="medium")
    page = citizen_client.post(reverse("declare"), data).content.decode()
    assert "cannot be ticked together" in page
    assert "Please say which area" in page


def test_garbage_input_is_a_form_error_not_a_500(citizen_client):
    data = factories.post_data(temperature="abc", city="nope", travel="sideways", form_token="x")
    data["symptoms"] = ["teleportation"]
    response = citizen_client.post(reverse("declare"), data)
    assert response.status_code == 200
    assert "Enter the temperature as a number" in response.content.decode()


def test_submit_leads_to_confirmation_with_a_summary(citizen_client):
    data = factories.post_data(name="王小明")
    response = citizen_client.post(reverse("declare"), data)
    declaration = Declaration.objects.get()
    assert response["Location"] == reverse("declare-confirm", args=[declaration.ref])
    page = citizen_client.get(response["Location"]).content.decode()
    assert "王小明" in page and "Confirm Submission" in page and "Back to edit" in page
    assert declaration.status == Declaration.Status.DRAFT


def test_double_submit_and_replay_create_one_declaration(citizen_client):
    data = factories.post_data()
    first = citizen_client.post(reverse("declare"), data)
    second = citizen_client.post(reverse("declare"), data)
    assert first["Location"] == second["Location"]
    assert Declaration.objects.count() == 1


def test_a_replayed_form_never_rewrites_a_confirmed_declaration(
    citizen, citizen_client, django_capture_on_commit_callbacks
):
    """The same form sent again after confirming (the back button, a replay), with other
    answers: the declaration that was reviewed stays as it was, and the answer is the code."""
    data = factories.post_data()
    citizen_client.post(reverse("declare"), data)
    declaration = Declaration.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        citizen_client.post(reverse("declare-confirm", args=[declaration.ref]))
    changed = data | {"temperature": "39.5", "symptoms": ["fever"], "district": "Erqi District"}
    response = citizen_client.post(reverse("declare"), changed)
    assert response.status_code == 302
    assert response["Location"] == reverse("code", args=[self_applicant(citizen).pk])
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.REVIEWED
    assert (str(declaration.temperature), declaration.symptoms, declaration.district) == (
        "36.5",
        ["none"],
        "Jinshui District",
    )
    assert Declaration.objects.count() == 1


def test_a_form_token_of_ones_own_draft_does_not_rewrite_it_as_a_family_member(citizen_client):
    """One form's token sent with another form (the family member's): the account's own
    draft keeps its person and answers (confirming it would have stored grandma's details as
    the account holder's)."""
    data = factories.post_data(name="王小明")
    citizen_client.post(reverse("declare"), data)
    member = factories.member_post_data(form_token=data["form_token"], name="王奶奶")
    citizen_client.post(reverse("family-add"), member)
    draft = Declaration.objects.get()
    assert (draft.name, draft.relationship, draft.id_number) == ("王小明", "self", data["id_number"])


def test_back_to_edit_keeps_the_draft(citizen_client):
    data = factories.post_data(street_address="88 Jingsan Road")
    citizen_client.post(reverse("declare"), data)
    declaration = Declaration.objects.get()
    page = citizen_client.get(reverse("declare") + f"?draft={declaration.ref}").content.decode()
    assert 'value="88 Jingsan Road"' in page
    assert f'value="{declaration.form_token}"' in page


def test_confirm_reviews_and_shows_the_code(citizen, citizen_client, django_capture_on_commit_callbacks):
    citizen_client.post(reverse("declare"), factories.post_data())
    declaration = Declaration.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen_client.post(reverse("declare-confirm", args=[declaration.ref]))
    applicant = self_applicant(citizen)
    assert response["Location"] == reverse("code", args=[applicant.pk])
    assert applicant.health_code.colour == Colour.GREEN
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.REVIEWED


def test_replayed_confirm_does_nothing_more(citizen_client, django_capture_on_commit_callbacks):
    citizen_client.post(reverse("declare"), factories.post_data())
    declaration = Declaration.objects.get()
    url = reverse("declare-confirm", args=[declaration.ref])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        citizen_client.post(url)
        citizen_client.post(url)
        # Submitting the same form again after confirming changes nothing either.
        citizen_client.post(reverse("declare"), factories.post_data(form_token=str(declaration.form_token)))
    assert len(callbacks) == 1
    assert Declaration.objects.count() == 1


def test_another_accounts_confirmation_answers_404(citizen_client, outsider, client):
    citizen_client.post(reverse("declare"), factories.post_data())
    declaration = Declaration.objects.get()
    client.force_login(outsider)
    url = reverse("declare-confirm", args=[declaration.ref])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    # Editing by ref shows nothing of the draft either.
    page = client.get(reverse("declare") + f"?draft={declaration.ref}").content.decode()
    assert declaration.street_address not in page


def test_id_number_held_by_another_person_is_refused_on_the_form(citizen_client, outsider, declare):
    taken = declare(outsider).id_number
    page = citizen_client.post(reverse("declare"), factories.post_data(id_number=taken)).content.decode()
    assert "already registered for another person" in page
    assert "13700137000" not in page


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get(reverse("declare"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _declare_and_confirm(client, **fields) -> Declaration:
    response = client.post(reverse("declare"), factories.post_data(**fields))
    declaration = Declaration.objects.get(ref=response["Location"].split("/")[-3])
    client.post(reverse("declare-confirm", args=[declaration.ref]))
    return declaration


def test_a_new_declaration_updates_the_persons_details(citizen, citizen_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _declare_and_confirm(citizen_client, name="王小明", id_number=ID)
        _declare_and_confirm(citizen_client, name="王晓明", id_number=ID, city=City.objects.get(code="410300"))
    applicant = self_applicant(citizen)
    assert (applicant.name, applicant.city.code) == ("王晓明", "410300")


def test_submit_and_confirm_cost_a_fixed_number_of_queries(
    citizen, client, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """The second declaration of the same person (the daily case): the form's POST is the
    user, the person and one INSERT (the city comes from the process's copy of the list,
    healthcode/cities.py; the ID number is the person's own, so no holder to look up); the
    confirmation is the user, the declaration with its person read and locked in one
    statement, and one UPDATE (nothing to store about the person). Inside the test's
    transaction each atomic block counts a SAVEPOINT and its RELEASE."""
    settings.SESSION_ENGINE = "healthcode.sessions"
    client.force_login(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        _declare_and_confirm(client, id_number=ID)
    data = factories.post_data(id_number=ID)
    with django_assert_num_queries(3 + 2):
        response = client.post(reverse("declare"), data)
    with (
        django_assert_num_queries(3 + 2) as confirming,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        client.post(response["Location"])
    assert len(callbacks) == 1  # the review, enqueued on commit
    # The declaration's city is not read: its key is all the confirmation needs.
    assert not [q["sql"] for q in confirming.captured_queries if "healthcode_city" in q["sql"]]
