"""Intake: drafts of the declaration form and their confirmation."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from declarations.models import Declaration
from family.models import Applicant
from family.services import id_number_taken, update_person
from healthcode.models import User
from healthcode.services import create_code

DECLARED_FIELDS = (
    "city",
    "name",
    "id_number",
    "phone",
    "district",
    "street_address",
    "temperature",
    "symptoms",
    "travel",
    "travel_area",
    "contact",
    "commitment_truthful",
    "commitment_consent",
)


class IdNumberTaken(Exception):
    """The ID number belongs to another person record."""


def get_declaration_for_user(user: User, ref: uuid.UUID) -> Declaration:
    declaration = Declaration.objects.select_related("applicant", "city").filter(ref=ref, submitted_by=user).first()
    if declaration is None:
        raise Http404
    return declaration


def save_draft(user: User, applicant: Applicant, data: dict[str, Any]) -> Declaration:
    """Create or update the draft of one form. The form's token makes a double click, a
    refresh or a replayed POST land on the same row; a confirmed one is never changed."""
    fields = {name: data[name] for name in DECLARED_FIELDS}
    fields["travel_area"] = fields["travel_area"].strip() if fields["travel"] != "none" else ""
    token = data["form_token"]
    with transaction.atomic():
        existing = Declaration.objects.select_for_update().filter(submitted_by=user, form_token=token).first()
        if existing is not None:
            if existing.status == Declaration.Status.DRAFT and existing.applicant_id == applicant.pk:
                for name, value in fields.items():
                    setattr(existing, name, value)
                existing.save()
            return existing
        try:
            with transaction.atomic():
                return Declaration.objects.create(submitted_by=user, applicant=applicant, form_token=token, **fields)
        except IntegrityError:
            return Declaration.objects.get(submitted_by=user, form_token=token)


def confirm(user: User, ref: uuid.UUID) -> Declaration:
    """Confirm a draft: store the person's details and enqueue the review on commit.
    Confirming twice is harmless: only the first moves the row."""
    from declarations.tasks import review_declaration  # tasks import services: import late

    with transaction.atomic():
        declaration = get_declaration_for_user(user, ref)
        moved = Declaration.objects.filter(pk=declaration.pk, status=Declaration.Status.DRAFT).update(
            status=Declaration.Status.CONFIRMED, confirmed_at=timezone.now()
        )
        if not moved:
            declaration.refresh_from_db()
            return declaration
        applicant = declaration.applicant
        if id_number_taken(declaration.id_number, except_applicant=applicant):
            raise IdNumberTaken
        try:
            with transaction.atomic():
                update_person(
                    applicant,
                    name=declaration.name,
                    id_number=declaration.id_number,
                    phone=declaration.phone,
                    city_id=declaration.city_id,
                )
        except IntegrityError:
            raise IdNumberTaken from None
        if applicant.health_code_id is None:
            Applicant.objects.filter(pk=applicant.pk).update(health_code=create_code())
        transaction.on_commit(lambda: review_declaration.delay(declaration.pk))
    declaration.refresh_from_db()
    return declaration
