"""Intake: drafts of the declaration form (for self or a family member) and their confirmation."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from declarations.models import Declaration
from declarations.services import backlog
from family.models import Applicant, Relationship
from family.services import (
    FamilyFull,
    IdNumberTaken,
    add_member,
    holder_of,
    may_take_over,
    take_over,
    update_person,
)
from healthcode.models import User
from healthcode.prepared import STAND_IN_ID, STAND_IN_UUID, Prepared
from healthcode.services import create_code
from healthcode.writes import insert, update_fields

__all__ = [
    "DECLARED_FIELDS",
    "FamilyFull",
    "IdNumberTaken",
    "confirm",
    "get_declaration_for_user",
    "save_draft",
    "sent_before",
]

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


def _declaration_of(ref: uuid.UUID, user_id: int):
    return Declaration.objects.select_related("applicant", "city").filter(ref=ref, submitted_by_id=user_id).order_by()


# Compiled once per process (healthcode/prepared.py): the confirmation step reads it on every
# request, and compiling it cost more than running it.
_declaration_query = Prepared(_declaration_of, ref=STAND_IN_UUID, user_id=STAND_IN_ID)


def _locked_declaration_of(ref: uuid.UUID, user_id: int):
    # Its own row locked, not its person's (read as it is, as before). Not its city: the
    # confirmation needs only its key, and the view only the person's.
    return (
        Declaration.objects.select_related("applicant")
        .filter(ref=ref, submitted_by_id=user_id)
        .order_by()
        .select_for_update(of=("self",))
    )


# The confirmation's read: the declaration locked and read in one statement (see confirm).
_locked_declaration_query = Prepared(_locked_declaration_of, ref=STAND_IN_UUID, user_id=STAND_IN_ID)


def get_declaration_for_user(user: User, ref: uuid.UUID) -> Declaration:
    """The account's own declaration by its reference; anyone else's is 404."""
    declaration = _declaration_query.first(ref=ref, user_id=user.pk)
    if declaration is None:
        raise Http404
    return declaration


def sent_before(user: User, form_token: str) -> Declaration | None:
    """The account's declaration made from this form already and past its draft (the form sent
    again: a double click, a retry, the back button), else None."""
    try:
        token = uuid.UUID(form_token)
    except (ValueError, TypeError, AttributeError):
        return None
    return (
        Declaration.objects.filter(submitted_by=user, form_token=token)
        .exclude(status=Declaration.Status.DRAFT)
        .only("applicant_id")
        .first()
    )


def save_draft(
    user: User, applicant: Applicant | None, data: dict[str, Any], *, relationship: str = Relationship.SELF
) -> Declaration:
    """Create or update the draft of one form. The form's token makes a double click, a
    refresh or a replayed POST land on the same row; a confirmed one is never changed.
    `applicant` is None for a family member who is not on the account yet."""
    fields = {name: data[name] for name in DECLARED_FIELDS}
    fields["travel_area"] = fields["travel_area"].strip() if fields["travel"] != "none" else ""
    fields["relationship"] = applicant.relationship if applicant is not None else relationship
    if applicant is not None and applicant.relationship != Relationship.SELF:
        fields["relationship"] = relationship
    token = data["form_token"]
    applicant_id = applicant.pk if applicant is not None else None
    # The usual case is a new form: one INSERT. A double click, refresh or replay of the same
    # form hits the unique (account, form token) and updates that row while it is a draft.
    draft = Declaration(submitted_by=user, applicant_id=applicant_id, form_token=token, **fields)
    try:
        # An INSERT built once per process (healthcode/writes.py). Outside a transaction (the
        # view) it is its own transaction and needs no BEGIN and COMMIT around it: a failed
        # INSERT leaves nothing behind. Inside one, a savepoint keeps the caller's usable.
        if not transaction.get_connection().in_atomic_block:
            return insert(draft)
        with transaction.atomic():
            return insert(draft)
    except IntegrityError:
        pass
    with transaction.atomic():
        existing = Declaration.objects.select_for_update().get(submitted_by=user, form_token=token)
        if existing.status == Declaration.Status.DRAFT and existing.applicant_id == applicant_id:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save()
        return existing


def _person_for(user: User, declaration: Declaration) -> Applicant:
    """The person this declaration is about, after storing the declared details: a new
    family member is created, a self record may take over the record an agent made."""
    details = {
        "name": declaration.name,
        "id_number": declaration.id_number,
        "phone": declaration.phone,
        "city_id": declaration.city_id,
    }
    if declaration.applicant_id is None:
        applicant = add_member(user, relationship=declaration.relationship, **details)
        Declaration.objects.filter(pk=declaration.pk).update(applicant=applicant)
        return applicant
    applicant = declaration.applicant
    # ID numbers are unique: the person who already has this one holds it (nothing to check).
    if applicant.id_number != declaration.id_number:
        holder = holder_of(declaration.id_number)
        if holder is not None and holder.pk != applicant.pk:
            if applicant.relationship == Relationship.SELF and may_take_over(user, holder, name=declaration.name):
                applicant = take_over(user, holder, replacing=applicant)
            else:
                raise IdNumberTaken
    update_person(applicant, relationship=declaration.relationship, **details)
    if applicant.health_code_id is None:
        Applicant.objects.filter(pk=applicant.pk).update(health_code=create_code())
    return applicant


def confirm(user: User, ref: uuid.UUID) -> Declaration:
    """Confirm the account's draft `ref`: store the person's details and enqueue the review on
    commit. Confirming twice is harmless: only the first moves the row (read locked, it is
    moved only while a draft); a declaration past its draft is returned as it is.
    Raises Http404 for a declaration that is not the account's, IdNumberTaken or FamilyFull,
    and then nothing is changed."""
    confirmed_at = timezone.now()
    with transaction.atomic():
        # The account's declaration read and locked in one statement (before: read, then locked
        # again by its primary key, one statement more per confirmation), then moved if still a
        # draft. (One UPDATE ... WHERE id = %s AND status = 'draft' made Postgres scan every
        # draft through the status index when its statistics counted few drafts:
        # bench/README.md, session 6.) Both statements compiled once per process
        # (healthcode/prepared.py, writes.py).
        declaration = _locked_declaration_query.first(ref=ref, user_id=user.pk)
        if declaration is None:
            raise Http404
        if declaration.status != Declaration.Status.DRAFT:
            return declaration
        # The row read here is the one moved (no caller sees it if what follows raises).
        declaration.status, declaration.confirmed_at = Declaration.Status.CONFIRMED, confirmed_at
        update_fields(declaration, ("status", "confirmed_at"))
        applicant = _person_for(user, declaration)
        # A turn of the machine's review after commit (services/backlog.py). Broker down: the
        # declaration is stored all the same, and the sweeper enqueues it.
        backlog.after_confirm(declaration.pk)
    declaration.applicant = applicant
    return declaration
