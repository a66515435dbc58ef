"""Which background work goes first when the worker has a queue (DESIGN.md, "Layers").

Redis serves a queue's messages by priority, 0 first: kombu keeps one list per step of
`STEPS` (settings' CELERY_BROKER_TRANSPORT_OPTIONS) and asks for them in that order. Under a
peak, what a person is waiting for (a review: the colour shown at the door) is done before
what follows it (the SMS about that colour), and scheduled chores wait for
both. A lower priority is delayed, never dropped: it runs as soon as the queue above it is
empty. No Django imports here: settings read this module.
"""

FIRST = 0  # the default for every task: reviews, re-assessments, tracing, the sweeps
FOLLOW_UP = 6  # the SMS sender after a colour change, and its sweep
HOUSEKEEPING = 9  # scheduled chores: the scan log's purge, the dashboard's daily figures
STEPS = (FIRST, 3, FOLLOW_UP, HOUSEKEEPING)
SEPARATOR = "\x06\x16"  # kombu's default between a queue's name and its priority step


def queue_keys(queue: str) -> list[str]:
    """The Redis lists that hold `queue`'s messages, one per priority step (kombu's naming)."""
    return [queue if step == FIRST else f"{queue}{SEPARATOR}{step}" for step in STEPS]
