"""What the declarations app holds about an account's people, for the data download.
Deleting the account deletes these rows with the people (foreign keys cascade)."""

from __future__ import annotations

from typing import Any

from declarations.models import Appeal, CheckIn, Declaration
from healthcode.models import User


def export(user: User) -> dict[str, Any]:
    declarations = [
        {
            "submitted": d.created.isoformat(),
            "confirmed": d.confirmed_at.isoformat() if d.confirmed_at else None,
            "person_id": d.applicant_id,
            "relationship": d.relationship,
            "status": d.status,
            "city": d.city.name_en,
            "name": d.name,
            "id_number": d.id_number,
            "mobile_number": d.phone,
            "address": f"{d.district}, {d.street_address}",
            "temperature": str(d.temperature),
            "symptoms": d.symptoms,
            "risk_area_travel": d.travel,
            "which_area": d.travel_area,
            "contact_with_a_case": d.contact,
            "commitments": {
                "truthful": d.commitment_truthful,
                "consent": d.commitment_consent,
                "version": d.commitments_version,
                "ticked_by_account": d.submitted_by.username,
            },
            "verdict": d.verdict_colour,
            "rules": d.verdict_rules,
        }
        for d in Declaration.objects.filter(submitted_by=user).select_related("city", "submitted_by")
    ]
    checkins = [
        {
            "person_id": c.applicant_id,
            "day": c.day.isoformat(),
            "temperature": str(c.temperature),
            "symptoms": c.symptoms,
            "normal": c.normal,
        }
        for c in CheckIn.objects.filter(applicant__account=user).order_by("day")
    ]
    appeals = [
        {
            "person_id": a.applicant_id,
            "submitted": a.created.isoformat(),
            "colour": a.colour,
            "reason": a.reason,
            "status": a.status,
            "answer": a.resolution,
        }
        for a in Appeal.objects.filter(applicant__account=user).order_by("created")
    ]
    return {"declarations": declarations, "checkins": checkins, "appeals": appeals}
