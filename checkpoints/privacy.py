"""What the checkpoints app holds about an account's people: where their codes were checked.
Deleting the account keeps the scans for the venue's statistics but without the person
(the foreign key is set to null), until the retention purge removes them."""

from __future__ import annotations

from typing import Any

from checkpoints.models import Scan
from healthcode.models import User


def export(user: User) -> dict[str, Any]:
    scans = [
        {
            "person_id": s.applicant_id,
            "time": s.scanned_at.isoformat(),
            "venue": s.venue.name,
            "direction": s.direction,
            "result": s.result,
            "source": s.source,
        }
        for s in Scan.objects.filter(applicant__account=user).select_related("venue").order_by("scanned_at")
    ]
    return {"scans": scans}
