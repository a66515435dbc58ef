"""Forms of the background review: the daily check-in, the appeal, and the reviewers'
reasons. Every error is a sentence at its field (DeclarationForm's style)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from declarations.models import Symptom
from healthcode.colours import Colour

TEMPERATURE_ERRORS = {
    "required": _("Please enter today's body temperature, for example 36.5."),
    "invalid": _("Enter the temperature as a number, for example 36.5."),
    "min_value": _("A body temperature is at least 35.0 °C; please measure again."),
    "max_value": _("A body temperature is at most 42.0 °C; please measure again."),
    "max_digits": _("Enter the temperature with one decimal, for example 36.5."),
    "max_decimal_places": _("Enter the temperature with one decimal, for example 36.5."),
    "max_whole_digits": _("A body temperature is between 35.0 and 42.0 °C."),
}


class CheckInForm(forms.Form):
    temperature = forms.DecimalField(
        label=_("Body temperature today (°C)"),
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("35.0"),
        max_value=Decimal("42.0"),
        error_messages=TEMPERATURE_ERRORS,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "35.0", "max": "42.0", "inputmode": "decimal"}),
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms today"),
        choices=Symptom.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick “None”, or every symptom there is today."),
            "invalid_choice": _("Choose from the symptoms listed."),
        },
    )

    def clean_symptoms(self) -> list[str]:
        symptoms = self.cleaned_data["symptoms"]
        if Symptom.NONE in symptoms and len(symptoms) > 1:
            raise ValidationError(
                _("“None” cannot be ticked together with a symptom; untick one of them."), code="none_and_symptom"
            )
        return symptoms


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this colour wrong?"),
        min_length=10,
        max_length=2000,
        help_text=_("For example: where the person really was, and when. A reviewer reads every word."),
        error_messages={
            "required": _("Please write why you think the colour is wrong."),
            "min_length": _("Please write a little more (at least 10 characters), so a reviewer can check it."),
            "max_length": _("Please keep it under 2,000 characters."),
        },
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    image = forms.ImageField(
        label=_("A supporting picture (optional)"),
        required=False,
        error_messages={
            "invalid_image": _("This file is not a picture we can read; choose a JPEG or PNG photo."),
            # Django's own listed Pillow's 80 extensions, PDF among them.
            "invalid_extension": _("Choose a JPEG or PNG photo (a file whose name ends in .jpg, .jpeg or .png)."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = filesizeformat(settings.HC_APPEAL_IMAGE_MAX_BYTES)
        help_text = _("A photo of a test report or a travel record: JPEG or PNG, at most %(size)s.")
        self.fields["image"].help_text = help_text % {"size": limit}

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if not image:
            return image
        if image.size > settings.HC_APPEAL_IMAGE_MAX_BYTES:
            raise ValidationError(
                _("The picture is too large; the limit is %(size)s.")
                % {"size": filesizeformat(settings.HC_APPEAL_IMAGE_MAX_BYTES)},
                code="too_large",
            )
        kind = getattr(getattr(image, "image", None), "format", None)
        if kind not in ("JPEG", "PNG"):
            raise ValidationError(_("Choose a JPEG or PNG photo."), code="image_format")
        return image


# The reviewers' forms (admin intermediate pages).


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": _("A reason is required: it is recorded and shown to the person.")},
    )


class OverrideForm(ReasonForm):
    colour = forms.ChoiceField(
        label=_("Colour"),
        choices=[(c.value, c.label) for c in (Colour.GREEN, Colour.YELLOW, Colour.RED)],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the colour.")},
    )
    field_order = ["colour", "reason"]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
