"""The code page's read: the person, their code and city, and what the page shows around the
QR (unread inbox messages, notices), in one query however long the history grows.

The code page is the hottest page there is (bench/README.md). Apps above family add what
their part of the page needs to the same query (`extend`, called from their AppConfig.ready):
declarations adds its review panel's three facts, so the panel costs no reads of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from family.models import Applicant, InboxMessage, Notice
from healthcode.models import User

Annotator = Callable[[QuerySet], QuerySet]
_annotators: list[Annotator] = []


def extend(annotator: Annotator) -> Annotator:
    """Add annotations to the code page's query (idempotent: one registration per function)."""
    if annotator not in _annotators:
        _annotators.append(annotator)
    return annotator


def code_page_applicant(user: User, pk: int) -> Applicant:
    """The applicant with `inbox_unread`, `has_notices` and the extensions' annotations; 404
    unless this account holds it."""
    unread = (
        InboxMessage.objects.filter(account_id=OuterRef("account_id"), read_at__isnull=True)
        .order_by()
        .values("account_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    queryset = (
        Applicant.objects.select_related("health_code", "city")
        .filter(account=user, pk=pk)
        .annotate(
            inbox_unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            has_notices=Exists(Notice.objects.filter(account_id=OuterRef("account_id"), read_at__isnull=True)),
        )
    )
    for annotate in _annotators:
        queryset = annotate(queryset)
    applicant = queryset.first()
    if applicant is None:
        raise Http404
    return applicant
