"""A person's rights: download all their data, delete their account."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from family.models import Applicant
from healthcode import privacy
from healthcode.colours import Colour
from healthcode.models import HealthCode, User

# The deletion form's ticket: proof that it was shown to this account, so that the deletion
# sent again (a double click: the second POST comes with the session the first one ended) is
# answered as the first one was.
DELETION_SALT = "family.delete-account"
DELETION_TICKET_AGE = 24 * 3600


class CannotDelete(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def data_export(user: User) -> dict[str, Any]:
    """Everything the service holds about the account and the people it holds, as JSON."""
    return {"exported_at": timezone.now().isoformat(), "format": 1} | privacy.export(user)


def delete_account(user: User) -> None:
    """Delete the account, its people and everything about them. Refused while one of its
    codes is yellow or red: that data is still needed for epidemic prevention, and deleting
    it would be a way to clear a colour."""
    people = Applicant.objects.filter(account=user)
    if people.filter(health_code__colour__in=[Colour.YELLOW, Colour.RED]).exists():
        raise CannotDelete(
            _("Your account holds a yellow or red code. It can be deleted once every code it holds is green again.")
        )
    # Declared and not yet coloured: a reviewer may still find it yellow or red, and signing up
    # again would start the person afresh (as removing a family member would: members.py).
    if people.filter(health_code__colour=Colour.PENDING).exclude(name="").exists():
        raise CannotDelete(_("Your account holds a code under review. It can be deleted once the review is done."))
    with transaction.atomic():
        code_ids = list(people.exclude(health_code=None).values_list("health_code_id", flat=True))
        privacy.erase(user)
        user.delete()  # cascades: people, declarations, check-ins, appeals, notices, sessions' owner
        HealthCode.objects.filter(pk__in=code_ids).delete()  # and their colour history


def deletion_ticket(user: User) -> str:
    return signing.dumps(user.pk, salt=DELETION_SALT)


def deleted_already(ticket: str) -> bool:
    """Whether the account this deletion form was shown to is gone (deleted by its first sending)."""
    if not ticket:
        return False
    try:
        account_id = signing.loads(ticket, salt=DELETION_SALT, max_age=DELETION_TICKET_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    return isinstance(account_id, int) and not User.objects.filter(pk=account_id).exists()
