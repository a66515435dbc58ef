"""Accounts and their "self" applicant; one access helper per object type (after healthchecks)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from family.models import Applicant, Relationship
from healthcode.models import User
from healthcode.prepared import STAND_IN_ID, Prepared
from healthcode.services import create_code, remember_language

# A sign-up sent again within this long (a double click, a browser's retry, the back button
# and submit) is the same sign-up: it logs in to the account the first one made.
SIGNUP_AGAIN_WITHIN = timedelta(minutes=10)


class AccountExists(Exception):
    """The mobile number has an account already (made meanwhile: the form checks first)."""


def create_account(phone: str, password: str, *, language: str = "") -> User:
    """A new citizen account with its "self" applicant and a pending health code. `language`:
    the one the person signed up in (what is sent to the account later is in it). Raises
    AccountExists when the number has one, also one made by a sign-up at the same moment."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=phone, password=password)
            remember_language(user, language)
            Applicant.objects.create(
                account=user, relationship=Relationship.SELF, phone=phone, health_code=create_code()
            )
    except IntegrityError:
        raise AccountExists from None
    return user


def signed_up_just_now(phone: str, *, now: datetime | None = None) -> bool:
    """Whether the number's account was made within SIGNUP_AGAIN_WITHIN: a sign-up for it sent
    again then logs in with its password (checked by the caller through `authenticate`, so
    the lockouts count it) instead of saying the number is taken. Older accounts log in on the
    login page only."""
    since = (now or timezone.now()) - SIGNUP_AGAIN_WITHIN
    return User.objects.filter(username=phone, date_joined__gte=since).exists()


def _self_of(user_id: int) -> QuerySet[Applicant]:
    return Applicant.objects.filter(account_id=user_id, relationship=Relationship.SELF).order_by()


# Compiled once per process (healthcode/prepared.py): most pages and the declaration ask for it.
_self_query = Prepared(_self_of, user_id=STAND_IN_ID)


def self_applicant(user: User) -> Applicant:
    """The account's own applicant; created on first use for accounts made another way."""
    applicant = _self_query.first(user_id=user.pk)
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
    """Self first, then family members in the order they were added."""
    return (
        Applicant.objects.filter(account=user)
        .select_related("health_code", "city")
        .annotate(rank=Case(When(relationship=Relationship.SELF, then=Value(0)), default=Value(1)))
        .order_by("rank", "created", "id")
    )


def remember_shown(applicant: Applicant) -> None:
    """Switch Applicants' choice, kept with the account: the next login opens on this person."""
    Applicant.objects.filter(pk=applicant.pk).update(last_shown=timezone.now())


def last_shown(user: User) -> int | None:
    """The person whose code the account chose to show last, if it still holds them."""
    return (
        Applicant.objects.filter(account=user, last_shown__isnull=False)
        .order_by("-last_shown")
        .values_list("pk", flat=True)
        .first()
    )


def _held_by(user_id: int, pk: int) -> QuerySet[Applicant]:
    return Applicant.objects.select_related("health_code", "city").filter(account_id=user_id, pk=pk).order_by()


# Compiled once per process: the check-in, the QR's renewal every minute of every phone showing a
# code, and every page about one person read it.
_held_query = Prepared(_held_by, user_id=STAND_IN_ID, pk=STAND_IN_ID - 1)


def get_applicant_for_user(user: User, pk: int) -> Applicant:
    """The applicant if this account holds it; 404 otherwise, never another person's data."""
    applicant = _held_query.first(user_id=user.pk, pk=pk)
    if applicant is None:
        raise Http404
    return applicant
