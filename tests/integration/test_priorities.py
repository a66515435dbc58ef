"""Under a queue, the colour a person waits for comes before the messages about colours:
reviews are sent at the first priority, the SMS sender after them (healthcode/priorities.py),
on real Redis with a real worker."""

import uuid

import pytest
import redis

from declarations import services
from declarations.models import Declaration
from family.models import InboxMessage
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.priorities import queue_keys
from healthcode.services import change_colour
from tests import factories
from tests.integration.conftest import Worker, _require_services, tasks_to, wait_for, worker_env

pytestmark = pytest.mark.integration

WAITING = 12


def test_a_review_goes_before_the_sms_sender_queued_ahead_of_it(
    django_db_serialized_rollback, transactional_db, tmp_path
):
    redis_url = _require_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(redis_url)
    # One task at a time, one message reserved at a time: the order is the broker's.
    worker = Worker(worker_env(redis_url, queue, tmp_path, CELERY_WORKER_PREFETCH_MULTIPLIER="1"), queue, tmp_path)
    try:
        with tasks_to(redis_url, queue):
            # Colour changes made while no worker runs: their messages are written, their SMS
            # wait, and one sender for all of them waits in the queue.
            earlier = [
                change_colour(
                    self_applicant(factories.account()).health_code_id,
                    Colour.YELLOW,
                    source=ColourChange.Source.AUTHORITY,
                    reason="queued first",
                ).pk
                for _ in range(WAITING)
            ]
            user = factories.account()
            draft = services.save_draft(user, self_applicant(user), factories.declaration_data())
            declaration = services.confirm(user, draft.ref)  # its review is enqueued last
            follow_up, first = (client.llen(key) for key in (queue_keys(queue)[2], queue_keys(queue)[0]))
            assert (follow_up, first) == (1, 1)
            assert InboxMessage.objects.filter(change_id__in=earlier, sms_state="pending").count() == WAITING

            worker.start(timeout=30)
            sent = InboxMessage.objects.filter(change_id__in=earlier, sms_state="sent")
            wait_for(lambda: sent.count() == WAITING, timeout=60)
        review = Declaration.objects.get(pk=declaration.pk)
        assert review.status == Declaration.Status.REVIEWED
        coloured = ColourChange.objects.get(code_id=self_applicant(user).health_code_id).created
        notified = InboxMessage.objects.filter(change_id__in=earlier).order_by("sms_claimed_at").first()
        assert coloured < notified.sms_claimed_at, "the review waited behind the SMS sender"
    finally:
        worker.stop()
        client.delete(*queue_keys(queue))
