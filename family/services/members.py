"""Family Agent: the people an account applies for, their limit, take-over and removal."""

from __future__ import annotations

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from family.masking import mask_name
from family.models import Applicant, Notice, Relationship
from healthcode import crypto
from healthcode.colours import Colour
from healthcode.models import HealthCode, User
from healthcode.prepared import Prepared
from healthcode.services import create_code, language_of

MAX_FAMILY_MEMBERS = 8
TAKEN_OVER = gettext_lazy(
    "%(name)s now holds their own health code with their own account. You no longer see or show it."
)
# The removal page's ticket: proof that it was shown to this account for this person, so
# that the removal sent again once they are gone is answered as the first one was.
REMOVAL_SALT = "family.remove"
REMOVAL_TICKET_AGE = 24 * 3600


class FamilyFull(Exception):
    """The account already holds MAX_FAMILY_MEMBERS family members."""


class IdNumberTaken(Exception):
    """The ID number belongs to another person record (which is not revealed)."""


class CannotRemove(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def member_count(user: User) -> int:
    return Applicant.objects.filter(account=user).exclude(relationship=Relationship.SELF).count()


def has_room_for_member(user: User) -> bool:
    return member_count(user) < MAX_FAMILY_MEMBERS


def _holder(sealed: str) -> QuerySet[Applicant]:
    return Applicant.objects.select_related("account").filter(id_number=sealed).order_by()


# Compiled once per process (healthcode/prepared.py): every declaration asks. The number goes
# in sealed, as the column holds it (a sealed value is not sealed again); the stand-in is
# sealed on first use (the key is not read at import).
_holder_query: Prepared | None = None


def holder_of(id_number: str) -> Applicant | None:
    """The person who holds this ID number, on any account (ID numbers are unique)."""
    global _holder_query
    if not id_number:
        return None
    if _holder_query is None:
        _holder_query = Prepared(_holder, sealed=crypto.seal("stand-in", kind="id"))
    return _holder_query.first(sealed=crypto.seal(id_number, kind="id"))


def may_take_over(user: User, holder: Applicant, *, name: str) -> bool:
    """A person may take over the record a family agent made for them when they sign up with
    their own number: the record's name and mobile number must match the new account, and the
    account must not hold a person with an ID number already."""
    return (
        holder.relationship != Relationship.SELF
        and holder.account_id != user.pk
        and bool(holder.phone)
        and holder.phone == user.username
        and holder.name == name
        and not Applicant.objects.filter(account=user, relationship=Relationship.SELF, id_number__isnull=False)
        .exclude(id_number="")
        .exists()
    )


def id_number_free_for(user: User, id_number: str, *, applicant: Applicant | None, name: str) -> bool:
    """May this account use this ID number for `applicant` (None: a new family member)?"""
    if applicant is not None and applicant.id_number == id_number:
        # ID numbers are unique: the person who has this one holds it, no query needed (the
        # daily declaration repeats the number; the confirmation stores it under its own check).
        return True
    holder = holder_of(id_number)
    if holder is None or (applicant is not None and holder.pk == applicant.pk):
        return True
    is_self = applicant is not None and applicant.relationship == Relationship.SELF
    return is_self and may_take_over(user, holder, name=name)


def add_member(
    user: User, *, relationship: str, name: str, id_number: str, phone: str, city_id: int | None
) -> Applicant:
    """Create a family member with a pending code. Raises FamilyFull or IdNumberTaken."""
    if relationship == Relationship.SELF:
        raise ValueError("a family member cannot be 'self'")
    with transaction.atomic():
        # Serialise additions per account so that two at once cannot pass the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if not has_room_for_member(user):
            raise FamilyFull
        if holder_of(id_number) is not None:
            raise IdNumberTaken
        try:
            with transaction.atomic():
                return Applicant.objects.create(
                    account=user,
                    relationship=relationship,
                    name=name,
                    id_number=id_number,
                    phone=phone,
                    city_id=city_id,
                    health_code=create_code(),
                )
        except IntegrityError:
            raise IdNumberTaken from None


def update_person(
    applicant: Applicant,
    *,
    name: str,
    id_number: str,
    phone: str,
    city_id: int | None,
    relationship: str | None = None,
) -> None:
    """Store the person's details from a confirmed declaration (no write when nothing changed:
    the daily declaration repeats them). Raises IdNumberTaken."""
    fields = {"name": name, "id_number": id_number, "phone": phone or applicant.phone, "city_id": city_id}
    if relationship and applicant.relationship != Relationship.SELF and relationship != Relationship.SELF:
        fields["relationship"] = relationship
    if all(getattr(applicant, field) == value for field, value in fields.items()):
        return
    try:
        with transaction.atomic():
            Applicant.objects.filter(pk=applicant.pk).update(**fields)
    except IntegrityError:
        raise IdNumberTaken from None


def take_over(user: User, holder: Applicant, *, replacing: Applicant) -> Applicant:
    """Move a family member's record (code, history, check-ins) to their own new account,
    in place of the account's empty "self"; the agent loses access and is told."""
    with transaction.atomic():
        holder = Applicant.objects.select_for_update().get(pk=holder.pk)
        agent_id = holder.account_id
        replacing.declarations.update(applicant=holder)
        old_code = replacing.health_code
        replacing.delete()
        if old_code is not None:
            old_code.delete()
        Applicant.objects.filter(pk=holder.pk).update(account=user, relationship=Relationship.SELF)
        # For the agent, not for whoever is signed in now.
        give_notice(agent_id, TAKEN_OVER, name=mask_name(holder.name))
        holder.refresh_from_db()
        return holder


def remove_member(user: User, applicant: Applicant) -> None:
    """Remove a family member and their personal data. A yellow or red code cannot be removed
    (it would be a way to clear a colour): it must turn green first. Checked with the rows
    locked, so a colour given meanwhile is seen; a person removed meanwhile (the same removal
    sent twice at once) is removed, and nothing is raised."""
    if applicant.account_id != user.pk:
        raise CannotRemove(_("This person is not in your family list."))
    if applicant.relationship == Relationship.SELF:
        raise CannotRemove(_("You cannot remove yourself."))
    with transaction.atomic():
        # The code's row first, as every colour change locks it (a change then writes the inbox
        # message that refers to the person): the person locked first would deadlock with it.
        code = HealthCode.objects.select_for_update().filter(pk=applicant.health_code_id).first()
        if not Applicant.objects.filter(pk=applicant.pk, account=user).exists():
            return
        if code is not None and code.colour in (Colour.YELLOW, Colour.RED):
            raise CannotRemove(
                _("A family member with a yellow or red code cannot be removed until the code is green again.")
            )
        if code is not None and code.colour == Colour.PENDING and applicant.name:
            # Declared, not yet coloured: a reviewer may still find it yellow or red, and removing
            # and adding the person again would start them afresh.
            raise CannotRemove(_("A family member whose code is under review cannot be removed until it has a colour."))
        applicant.delete()
        if code is not None:
            code.delete()


def removal_ticket(user: User, applicant: Applicant) -> str:
    """The removal form's ticket (signed: this account, this person, their masked name)."""
    return signing.dumps([user.pk, applicant.pk, mask_name(applicant.name)], salt=REMOVAL_SALT)


def removed_already(user: User, pk: int, ticket: str) -> str | None:
    """The masked name of the person this removal form was for, if it was shown to this account
    and the person is gone (removed by its first sending); None otherwise."""
    if not ticket:
        return None
    try:
        account_id, applicant_id, masked_name = signing.loads(ticket, salt=REMOVAL_SALT, max_age=REMOVAL_TICKET_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if account_id != user.pk or applicant_id != pk or Applicant.objects.filter(pk=pk).exists():
        return None
    return masked_name


def give_notice(account_id: int, message: Promise, **params: str) -> Notice:
    """A notice for the account, shown once on its code page, written in the account's own
    language (not in that of whoever's request makes it). `message`: a lazy text, with `params`."""
    with translation.override(language_of(User.objects.get(pk=account_id))):
        text = str(message) % params
    return Notice.objects.create(account_id=account_id, message=text)


def unread_notices(user: User) -> list[Notice]:
    return list(Notice.objects.filter(account=user, read_at__isnull=True).order_by("created"))


def mark_notices_read(user: User, notices: list[Notice]) -> None:
    from django.utils import timezone

    Notice.objects.filter(account=user, pk__in=[n.pk for n in notices]).update(read_at=timezone.now())
