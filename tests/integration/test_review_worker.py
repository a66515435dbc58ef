"""A confirmed declaration travels through Redis to a real worker, which sets the colour in Postgres."""

import pytest

from declarations import services
from declarations.models import Declaration
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests import factories
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def test_worker_reviews_confirmed_declarations(celery_worker):
    worker, log = celery_worker
    people = []
    for answers in ({}, {"contact": "unsure"}, {"contact": "yes"}):
        user = factories.account()
        draft = services.save_draft(user, self_applicant(user), factories.declaration_data(**answers))
        services.confirm(user, draft.ref)  # commits: the task goes to Redis on commit
        people.append(user)

    # Nothing reviews in this process: the colours appear because the worker did the work.
    wait_for(lambda: Declaration.objects.filter(status=Declaration.Status.REVIEWED).count() == 3)
    colours = [self_applicant(user).health_code.colour for user in people]
    assert colours == [Colour.GREEN, Colour.YELLOW, Colour.RED]
    assert ColourChange.objects.count() == 3
    assert log.read_text().count("review_declaration") >= 3
    assert worker.poll() is None
