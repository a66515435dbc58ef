"""Pharmacies register the purchase of fever, cough, antiviral or antibiotic medicine for the
person whose code they just scanned. The fact goes down to declarations, which owns what
follows (the colour rules make the code yellow)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checkpoints.models import Medicine, Purchase, Scan, Venue
from declarations.models import HealthEvent
from declarations.services.events import record_health_event
from healthcode.models import User

# A purchase is registered for a scan made at the counter just now, not for an old one.
SCAN_FRESH_FOR = timedelta(minutes=30)
EVENT_SOURCE = "pharmacy"


class PurchaseRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Registration(NamedTuple):
    purchase: Purchase
    created: bool  # False: this registration was made before (the same form sent again)
    earlier: tuple[Purchase, ...] = ()  # the other purchases registered on the same scan before it


class ScanNotHere(PurchaseRefused):
    """No scan of this number was made at this pharmacy: another venue's, or none (the page
    answers 404, as for another venue's page)."""


def register_purchase(
    venue: Venue, scan_id: int, *, staff: User, medicines: Sequence[str], now: datetime | None = None
) -> Registration:
    """Register the medicines for the person of scan `scan_id` at this pharmacy and hand the
    fact to declarations (`record_health_event`, kind medicine_purchase), in one transaction.
    Idempotent by scan and medicines: the same registration sent again (a double click, a
    form sent twice) returns the first. Other medicines on the same scan are another purchase,
    registered as such (`earlier` says what was registered on the scan before): dropping them
    would lose a health fact while staff were told the purchase was registered.
    Raises PurchaseRefused with a message for staff."""
    now = now or timezone.now()
    chosen = [code for code in Medicine.values if code in set(medicines)]
    if not chosen or len(chosen) != len(set(medicines)):
        raise PurchaseRefused(_("Choose at least one kind of medicine from the list."))
    if venue.type != Venue.Type.PHARMACY:
        raise PurchaseRefused(_("Only pharmacies register medicine purchases."))
    with transaction.atomic():
        # The scan's row lock orders two registrations on one scan: the second sees the first.
        scan = (
            Scan.objects.select_related("applicant")
            .select_for_update(of=("self",))
            .filter(pk=scan_id, venue=venue)
            .first()
        )
        if scan is None:
            raise ScanNotHere(_("This scan was not made at this pharmacy."))
        on_scan = list(Purchase.objects.filter(scan=scan).order_by("created", "pk"))
        for existing in on_scan:
            if set(existing.medicines) == set(chosen):
                before = tuple(p for p in on_scan if (p.created, p.pk) < (existing.created, existing.pk))
                return Registration(existing, False, before)
        applicant = scan.applicant
        if applicant is None or scan.result not in (Scan.Result.OK, Scan.Result.NOT_GREEN):
            raise PurchaseRefused(_("Scan the buyer's valid health code first."))
        if not applicant.id_number:
            raise PurchaseRefused(_("This person has no ID number on file; the purchase cannot be registered."))
        if scan.scanned_at < now - SCAN_FRESH_FOR:
            raise PurchaseRefused(_("This scan is too old: scan the buyer's code again."))
        purchase = Purchase.objects.create(scan=scan, medicines=chosen, staff=staff, created=now)
        labels = dict(Medicine.choices)
        record_health_event(
            id_number=applicant.id_number,
            kind=HealthEvent.Kind.MEDICINE_PURCHASE,
            occurred_at=now,
            source=EVENT_SOURCE,
            source_ref=f"purchase-{purchase.pk}",
            note=f"{venue.name}: " + ", ".join(str(labels[code]) for code in chosen),
            actor=staff,
        )
    return Registration(purchase, True, tuple(on_scan))
