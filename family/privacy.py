"""What the family app holds about an account, for the data download."""

from __future__ import annotations

from typing import Any

from family.models import Applicant, Notice
from healthcode.models import ColourChange, ColourExtension, User
from healthcode.reasons import reason_text


def export(user: User) -> dict[str, Any]:
    people = []
    for applicant in Applicant.objects.filter(account=user).select_related("city", "health_code"):
        code = applicant.health_code
        people.append(
            {
                "id": applicant.pk,
                "relationship": applicant.relationship,
                "name": applicant.name,
                "id_number": applicant.id_number,
                "mobile_number": applicant.phone,
                "city": applicant.city.name_en if applicant.city else None,
                "added": applicant.created.isoformat(),
                "last_shown": applicant.last_shown.isoformat() if applicant.last_shown else None,
                "code": None
                if code is None
                else {
                    "colour": code.colour,
                    "since": code.since.isoformat(),
                    "history": [
                        {
                            "time": change.created.isoformat(),
                            "from": change.from_colour,
                            "to": change.to_colour,
                            "source": change.source,
                            "rules": change.rules,
                            "reason": reason_text(change),  # in the language of the download
                        }
                        for change in ColourChange.objects.filter(code=code).order_by("created", "id")
                    ],
                    # A colour that lasted longer for a new reason (the person was told).
                    "extended": [
                        {
                            "time": extension.created.isoformat(),
                            "colour": extension.colour,
                            "until": extension.until.isoformat(),
                            "source": extension.source,
                            "rules": extension.rules,
                            "reason": reason_text(extension),
                        }
                        for extension in ColourExtension.objects.filter(code=code).order_by("created", "id")
                    ],
                },
            }
        )
    notices = [
        {"time": n.created.isoformat(), "message": n.message}
        for n in Notice.objects.filter(account=user).order_by("created")
    ]
    return {"people": people, "notices": notices}
