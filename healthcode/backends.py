"""Django's ModelBackend, with the signed-in account read by a query compiled once.

Every signed-in page loads its account (django.contrib.auth.get_user); the ORM compiles that
one-row SELECT anew each time, at several times the cost of the query itself
(bench/README.md). Same rules as Django's: an inactive account is refused, which ends its
sessions.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import QuerySet

from healthcode.models import User
from healthcode.prepared import STAND_IN_ID, Prepared


def _account(pk: int) -> QuerySet:
    return User._default_manager.filter(pk=pk)


_account_query = Prepared(_account, pk=STAND_IN_ID)


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _account_query.first(pk=pk)
        return user if user is not None and self.user_can_authenticate(user) else None
