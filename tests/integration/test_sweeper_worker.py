"""A declaration whose review message was lost is found by the sweeper and reviewed by a real
worker through Redis."""

from datetime import timedelta

import pytest
from django.utils import timezone

from declarations import services
from declarations.models import Declaration
from declarations.services.review import sweep_stuck
from family.services import self_applicant
from healthcode.colours import Colour
from tests import factories
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def test_the_sweeper_recovers_a_lost_review(celery_worker):
    user = factories.account()
    draft = services.save_draft(user, self_applicant(user), factories.declaration_data(contact="unsure"))
    # Confirmed ten minutes ago, and its review message lost (a broker restart, a crashed web
    # process between commit and publish): the row says "confirmed", nothing is queued.
    Declaration.objects.filter(pk=draft.pk).update(
        status=Declaration.Status.CONFIRMED, confirmed_at=timezone.now() - timedelta(minutes=10)
    )

    assert sweep_stuck(older_than=timedelta(minutes=5)) == [draft.pk]
    wait_for(lambda: Declaration.objects.get(pk=draft.pk).status == Declaration.Status.REVIEWED)
    assert self_applicant(user).health_code.colour == Colour.YELLOW
    assert sweep_stuck(older_than=timedelta(minutes=5)) == []
