"""The reviewers' admin: the review queue, people, overrides waiting for a second reviewer,
appeals, risk areas, health events and the access log.

Reviewers see only their own city's people (declarations.services.reviewers.scoped);
superusers see all. List pages show ID and mobile numbers masked. Actions that change a
colour ask for a reason on an intermediate page and go through the services; every opening
of a person's record is logged (RecordAccess), and that log cannot be edited or deleted here.

One module per admin or group: review_queue.py (declarations), people.py, four_eyes.py
(pending overrides), appeals.py, checkins.py, risk_areas.py, health_events.py,
reviewer_profiles.py, access_log.py. Shared: scoped.py (ReviewerScoped, the city-scoped
base), search.py (the masked-number search), display.py (colour badge, colour history).
Importing the modules registers their admins; this file does nothing else.
"""

from declarations.admin import (  # noqa: F401
    access_log,
    appeals,
    checkins,
    four_eyes,
    health_events,
    people,
    review_queue,
    reviewer_profiles,
    risk_areas,
)
