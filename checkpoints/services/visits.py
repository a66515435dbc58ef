"""Venue codes (场所码): a poster QR at a place without staff; a citizen scans it with the
phone and registers a visit for the person they choose (themselves or a family member)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from django.utils import timezone

from checkpoints.models import Scan, Venue
from checkpoints.services.scanlog import insert_scan
from checkpoints.services.verify import (
    NONCE_RULE,
    BadScan,
    NonceReused,
    ScanResult,
    check_scan_input,
    logged_result,
)
from family.masking import mask_name
from family.models import Applicant
from healthcode.colours import Colour

# The scan log's nonce column holds 64 characters. A visit's is its page's nonce with a prefix
# and the person's id after it ("~<page nonce>/<id>": "~" and "/" are in no gate's or staff
# page's nonce), so one page registers each person of the family once.
PLACE_NONCE_PREFIX = "~"
PLACE_NONCE_MAX = 43  # 64 - "~" - "/" - an id of up to 19 digits


def get_venue_by_place_code(place_code: str) -> Venue:
    venue = Venue.objects.select_related("city").filter(place_code=place_code, active=True).first()
    if venue is None:
        raise Http404
    return venue


def register_visit(venue: Venue, applicant: Applicant, *, nonce: str, now: datetime | None = None) -> ScanResult:
    """Log a visit for the applicant, with the live colour of their code. The caller has
    checked that the account holds the applicant. Idempotent by `nonce` and person: the same
    page sent again for the same person (a double click) is the first visit; for another
    person of the family (back, choose them, submit), a visit of their own."""
    check_scan_input(Scan.Direction.ENTRY, nonce)
    if len(nonce) > PLACE_NONCE_MAX:
        raise BadScan("nonce", str(NONCE_RULE))
    # The visit's nonce comes from the citizen's browser: stored in a namespace of its own (a
    # character no gate or staff nonce may hold), so that no one can take a gate's nonce first.
    nonce = f"{PLACE_NONCE_PREFIX}{nonce}/{applicant.pk}"
    now = now or timezone.now()
    code = applicant.health_code
    colour = code.colour if code is not None else Colour.PENDING
    result = Scan.Result.OK if colour == Colour.GREEN else Scan.Result.NOT_GREEN
    scan_id = insert_scan(
        venue_id=venue.pk,
        staff_id=None,
        api_key_id=None,
        applicant_id=applicant.pk,
        result=result,
        colour=colour,
        paper=False,
        direction=Scan.Direction.ENTRY,
        source=Scan.Source.VENUE_CODE,
        nonce=nonce,
        issued_at=None,
        scanned_at=now,
        created=now,
    )
    if scan_id is None:  # a double submit of the same visit, or a nonce used for someone else
        earlier = logged_result(venue.pk, nonce)
        if earlier.applicant_id != applicant.pk:
            raise NonceReused
        return earlier
    return ScanResult(
        code=result,
        colour=colour,
        masked_name=mask_name(applicant.name),
        paper=False,
        issued_at=None,
        direction=Scan.Direction.ENTRY,
        scan_id=scan_id,
        applicant_id=applicant.pk,
        holder=applicant,
    )
