"""A bound form validates with its class's fields and copies them only to be shown
(healthcode/sharedfields.py): the class's fields are never written."""

import copy

from declarations.forms import DeclarationForm, FamilyMemberForm
from tests import factories


def widget_state(form_class) -> dict:
    """What rendering or a subclass could change in a class's fields, as plain values."""
    return {
        name: (copy.deepcopy(field.widget.attrs), field.required, str(field.label), dict(field.error_messages))
        for name, field in form_class.base_fields.items()
    }


def test_a_valid_form_validates_with_the_class_fields_uncopied(citizen):
    form = DeclarationForm(factories.post_data(), user=citizen, applicant=None)
    assert form.is_valid(), form.errors
    shared = form.__dict__["_fields"]
    assert all(shared[name] is field for name, field in DeclarationForm.base_fields.items())
    assert form.cleaned_data["name"] == "王小明"


def test_looking_at_the_fields_gives_the_form_its_own_copies(citizen):
    form = DeclarationForm(factories.post_data(), user=citizen, applicant=None)
    assert form.is_valid()
    before = form._bound_fields_cache["name"]  # built while validating, on the shared field
    assert before.field is DeclarationForm.base_fields["name"]
    fields = form.fields
    assert all(fields[name] is not field for name, field in DeclarationForm.base_fields.items())
    assert form["name"] is not before and form["name"].field is fields["name"]
    assert form.fields is fields  # copied once


def test_an_unbound_form_has_its_own_fields(citizen):
    form = DeclarationForm(user=citizen, applicant=None)
    assert all(form.fields[name] is not field for name, field in DeclarationForm.base_fields.items())


def test_a_form_shown_with_its_errors_writes_into_its_own_fields_only(citizen):
    pristine = widget_state(DeclarationForm)
    data = factories.post_data(temperature="45")
    del data["name"]
    form = DeclarationForm(data, user=citizen, applicant=None)
    assert not form.is_valid()
    # As crispy-forms' {% crispy_field %} does when it renders a field with CSS classes.
    form["name"].field.widget.attrs["class"] = "has-error"
    form.fields["temperature"].widget.attrs["class"] = "has-error"
    assert "has-error" in str(form["name"]) and 'value="45"' in str(form["temperature"])
    assert widget_state(DeclarationForm) == pristine
    assert "has-error" not in str(DeclarationForm(user=citizen, applicant=None)["name"])


def test_a_subclass_that_changes_its_fields_changes_only_its_own(citizen):
    pristine, pristine_member = widget_state(DeclarationForm), widget_state(FamilyMemberForm)
    data = factories.post_data(relationship="parent")
    del data["phone"]
    form = FamilyMemberForm(data, user=citizen, applicant=None)
    assert form.is_valid(), form.errors  # the phone is optional for a family member
    assert form.fields["phone"].required is False
    assert widget_state(DeclarationForm) == pristine
    assert widget_state(FamilyMemberForm) == pristine_member
