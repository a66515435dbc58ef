"""The declaration form: every field labelled, every error a sentence at its field."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from declarations.models import Contact, Symptom, Travel
from family.models import Applicant, Relationship
from family.services import id_number_free_for
from healthcode.cities import city_by_pk
from healthcode.models import City, User
from healthcode.sharedfields import SharedFieldsForm
from healthcode.validators import normalise_id, normalise_mobile, validate_mobile, validate_resident_id

ID_TAKEN = _(
    "This ID number is already registered for another person. Check it; if it is yours and a family "
    "member registered it for you, sign up with the mobile number they entered for you."
)


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class CityField(forms.ModelChoiceField):
    """The city, chosen by its key from this process's copy of the city list (healthcode/cities.py):
    no query per POST. A key the copy does not have is asked of the database, as before."""

    def to_python(self, value):
        if value not in self.empty_values:
            city = city_by_pk(str(value))
            if city is not None:
                return city
        return super().to_python(value)


class DeclarationForm(SharedFieldsForm):
    form_token = forms.UUIDField(widget=forms.HiddenInput)
    city = CityField(
        label=_("City"),
        queryset=City.objects.all(),
        empty_label=_("Choose your city"),
        error_messages=_required(_("Please choose your city.")),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=64,
        error_messages=_required(_("Please enter the name on the ID card.")),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        help_text=_("18-character resident ID number; a final X is allowed."),
        error_messages=_required(_("Please enter the 18-character ID number.")),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        error_messages=_required(_("Please enter a mobile number.")),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    district = forms.CharField(
        label=_("District"),
        max_length=64,
        error_messages=_required(_("Please enter the district you live in.")),
    )
    street_address = forms.CharField(
        label=_("Street address"),
        max_length=200,
        error_messages=_required(_("Please enter your street address.")),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    temperature = forms.DecimalField(
        label=_("Body temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("35.0"),
        max_value=Decimal("42.0"),
        error_messages={
            "required": _("Please enter today's body temperature, for example 36.5."),
            "invalid": _("Enter the temperature as a number, for example 36.5."),
            "min_value": _("A body temperature is at least 35.0 °C; please measure again."),
            "max_value": _("A body temperature is at most 42.0 °C; please measure again."),
            "max_digits": _("Enter the temperature with one decimal, for example 36.5."),
            "max_decimal_places": _("Enter the temperature with one decimal, for example 36.5."),
            "max_whole_digits": _("A body temperature is between 35.0 and 42.0 °C."),
        },
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "35.0", "max": "42.0", "inputmode": "decimal"}),
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms in the past 14 days"),
        choices=Symptom.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_required(_("Tick “None”, or every symptom you had.")),
    )
    travel = forms.ChoiceField(
        label=_("Have you been to a medium or high risk area in the past 14 days?"),
        choices=Travel.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Please answer whether you have been to a risk area.")),
    )
    travel_area = forms.CharField(
        label=_("Which area?"),
        max_length=200,
        required=False,
        help_text=_("Only if you answered yes: city and district, for example Zhengzhou, Jinshui District."),
    )
    contact = forms.ChoiceField(
        label=_("Have you had contact with a confirmed or suspected case in the past 14 days?"),
        choices=Contact.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Please answer the question about contact with a case.")),
    )
    commitment_truthful = forms.BooleanField(
        label=_("I promise that the information above is true and complete."),
        error_messages=_required(_("Please tick this commitment to continue.")),
    )
    commitment_consent = forms.BooleanField(
        label=_("I agree that this information is used for epidemic prevention only."),
        error_messages=_required(_("Please tick this commitment to continue.")),
    )

    def __init__(self, *args, user: User, applicant: Applicant | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.applicant = applicant

    @staticmethod
    def new_token() -> uuid.UUID:
        return uuid.uuid4()

    def clean_id_number(self) -> str:
        number = normalise_id(self.cleaned_data["id_number"])
        validate_resident_id(number)
        return number

    def _check_id_owner(self, data: dict) -> None:
        number, name = data.get("id_number"), data.get("name", "")
        if number and not id_number_free_for(self.user, number, applicant=self.applicant, name=name):
            self.add_error("id_number", ValidationError(ID_TAKEN, code="id_taken"))

    def clean_phone(self) -> str:
        validate_mobile(self.cleaned_data["phone"])
        return normalise_mobile(self.cleaned_data["phone"])

    def clean_symptoms(self) -> list[str]:
        symptoms = self.cleaned_data["symptoms"]
        if Symptom.NONE in symptoms and len(symptoms) > 1:
            raise ValidationError(
                _("“None” cannot be ticked together with a symptom; untick one of them."),
                code="none_and_symptom",
            )
        return symptoms

    def clean(self):
        data = super().clean()
        self._check_id_owner(data)
        if data.get("travel") in (Travel.MEDIUM, Travel.HIGH) and not (data.get("travel_area") or "").strip():
            self.add_error("travel_area", ValidationError(_("Please say which area was visited."), code="area"))
        return data


class FamilyMemberForm(DeclarationForm):
    """The same declaration, made by a family agent for a person without a phone."""

    relationship = forms.ChoiceField(
        label=_("Relationship"),
        # No preselected relationship: an untouched list must not record a grandparent as a parent.
        choices=[("", _("Choose…"))] + [(v, label) for v, label in Relationship.choices if v != Relationship.SELF],
        error_messages=_required(_("Please choose how this person is related to you.")),
    )

    field_order = ["form_token", "name", "id_number", "phone", "relationship", "city"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = False
        self.fields["phone"].label = _("Mobile number (optional for a child)")
        self.fields["name"].error_messages["required"] = _("Please enter the name on their ID card.")
        self.fields["district"].error_messages["required"] = _("Please enter the district they live in.")
        self.fields["street_address"].error_messages["required"] = _("Please enter their street address.")
        self.fields["temperature"].error_messages["required"] = _(
            "Please enter their body temperature today, for example 36.5."
        )
        self.fields["commitment_truthful"].label = _(
            "The information is true, and I am authorised by this person or their guardian to apply for them."
        )
        self.fields["commitment_consent"].label = _("I will accompany this person and show the health code for them.")
        # The questions are about the family member, not the agent filling them in.
        self.fields["city"].empty_label = _("Choose their city")
        self.fields["city"].error_messages["required"] = _("Please choose the city this person lives in.")
        self.fields["symptoms"].error_messages["required"] = _("Tick “None”, or every symptom this person had.")
        self.fields["travel"].label = _("Has this person been to a medium or high risk area in the past 14 days?")
        self.fields["travel"].error_messages["required"] = _(
            "Please answer whether this person has been to a risk area."
        )
        self.fields["contact"].label = _(
            "Has this person had contact with a confirmed or suspected case in the past 14 days?"
        )

    def clean_phone(self) -> str:
        if not (self.cleaned_data.get("phone") or "").strip():
            return ""
        return super().clean_phone()
