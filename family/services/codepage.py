"""The code page's read: the person, their code and city, and what the page shows around the
QR (unread inbox messages, notices), in one query however long the history grows.

The code page is the hottest page there is (bench/README.md): the query is compiled once per
process (healthcode/prepared.py) and run with the account, the person and today's date. Apps
above family add what their part of the page needs to the same query (`extend`, called from
their AppConfig.ready): declarations adds its review panel's three facts, so the panel costs
no reads of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from family.models import Applicant, InboxMessage, Notice
from healthcode.models import User
from healthcode.prepared import STAND_IN_DAY, STAND_IN_ID, Prepared

Annotator = Callable[[QuerySet, date], QuerySet]  # (queryset, today) -> queryset
_annotators: list[Annotator] = []


def extend(annotator: Annotator) -> Annotator:
    """Add annotations to the code page's query (idempotent: one registration per function)."""
    if annotator not in _annotators:
        _annotators.append(annotator)
        _query.reset()
    return annotator


def _build(account_id: int, pk: int, today: date) -> QuerySet:
    unread = (
        InboxMessage.objects.filter(account_id=OuterRef("account_id"), read_at__isnull=True)
        .order_by()
        .values("account_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    queryset = (
        Applicant.objects.select_related("health_code", "city")
        .defer("phone")  # not on the page: one sealed field less to open per request
        .filter(account_id=account_id, pk=pk)
        .annotate(
            inbox_unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            has_notices=Exists(Notice.objects.filter(account_id=OuterRef("account_id"), read_at__isnull=True)),
        )
        .order_by()
    )
    for annotate in _annotators:
        queryset = annotate(queryset, today)
    return queryset


_query = Prepared(_build, account_id=STAND_IN_ID, pk=STAND_IN_ID - 1, today=STAND_IN_DAY)


def code_page_applicant(user: User, pk: int) -> Applicant:
    """The applicant with `inbox_unread`, `has_notices` and the extensions' annotations; 404
    unless this account holds it."""
    applicant = _query.first(
        account_id=user.pk, pk=pk, today=timezone.localdate(timezone=timezone.get_default_timezone())
    )
    if applicant is None:
        raise Http404
    return applicant


def code_page_queryset(user: User, pk: int) -> QuerySet:
    """The same read as a plain queryset (compiled on every use): for tests and tools."""
    return _build(user.pk, pk, _today())


def _today() -> date:
    return timezone.localdate(timezone=timezone.get_default_timezone())  # Asia/Shanghai
