"""Accounts and the people they hold. One access helper per object type (after healthchecks)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404

from family.models import Applicant, Relationship
from healthcode.models import User
from healthcode.services import create_code


def create_account(phone: str, password: str) -> User:
    """A new citizen account with its "self" applicant and a pending health code."""
    with transaction.atomic():
        user = User.objects.create_user(username=phone, password=password)
        Applicant.objects.create(account=user, relationship=Relationship.SELF, phone=phone, health_code=create_code())
    return user


def self_applicant(user: User) -> Applicant:
    """The account's own applicant; created on first use for accounts made another way."""
    applicant = Applicant.objects.filter(account=user, relationship=Relationship.SELF).first()
    if applicant is not None:
        return applicant
    try:
        with transaction.atomic():
            return Applicant.objects.create(
                account=user, relationship=Relationship.SELF, phone="", health_code=create_code()
            )
    except IntegrityError:
        return Applicant.objects.get(account=user, relationship=Relationship.SELF)


def applicants_for(user: User) -> QuerySet[Applicant]:
    return Applicant.objects.filter(account=user).select_related("health_code", "city")


def get_applicant_for_user(user: User, pk: int) -> Applicant:
    """The applicant if this account holds it; 404 otherwise, never another person's data."""
    applicant = applicants_for(user).filter(pk=pk).first()
    if applicant is None:
        raise Http404
    return applicant


def id_number_taken(id_number: str, *, except_applicant: Applicant | None = None) -> bool:
    qs = Applicant.objects.filter(id_number=id_number)
    if except_applicant is not None:
        qs = qs.exclude(pk=except_applicant.pk)
    return qs.exists()


def update_person(applicant: Applicant, *, name: str, id_number: str, phone: str, city_id: int | None) -> None:
    """Store the person's details from a confirmed declaration. Raises IntegrityError when the
    ID number belongs to another person record (callers re-check first)."""
    Applicant.objects.filter(pk=applicant.pk).update(
        name=name, id_number=id_number, phone=phone or applicant.phone, city_id=city_id
    )
