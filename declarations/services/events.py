"""What the authority or a checkpoint learns about a person, handed down to the review.

A higher app (checkpoints: a pharmacy registers a medicine purchase, tracing finds a case's
companions) or the health authority (in the admin) calls `record_health_event`; this app owns
what follows: the person's colour is re-assessed in the background, after commit.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from declarations.models import HealthEvent
from family.models import Applicant
from healthcode.models import User
from healthcode.validators import normalise_id


def record_health_event(
    *,
    id_number: str,
    kind: HealthEvent.Kind | str,
    occurred_at: datetime,
    source: str,
    source_ref: str,
    note: str = "",
    actor: User | None = None,
    now: datetime | None = None,
) -> HealthEvent:
    """Record one event about the person with this ID number and re-assess their colour.
    Idempotent by (source, source_ref): recording the same event twice changes nothing."""
    from declarations.tasks import reassess_person  # tasks import services: import late

    kind = HealthEvent.Kind(kind)
    id_number = normalise_id(id_number)
    with transaction.atomic():
        applicant_id = Applicant.objects.filter(id_number=id_number).values_list("pk", flat=True).first()
        try:
            with transaction.atomic():
                event = HealthEvent.objects.create(
                    kind=kind,
                    id_number=id_number,
                    applicant_id=applicant_id,
                    occurred_at=occurred_at,
                    source=source,
                    source_ref=source_ref,
                    note=note,
                    recorded_by=actor,
                    created=now or timezone.now(),
                )
        except IntegrityError:
            return HealthEvent.objects.get(source=source, source_ref=source_ref)
        if applicant_id is not None:
            transaction.on_commit(lambda: reassess_person.delay(applicant_id))
    return event
