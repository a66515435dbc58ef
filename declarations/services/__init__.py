"""The declarations app's services: what views, tasks and other apps call.

intake.py: drafts and confirmation; review.py: the rules applied in the background;
events.py: what other apps and the authority report (record_health_event); checkins.py,
reviewers.py, appeals.py, explain.py: daily check-ins, reviewers' actions, appeals, "Why this colour?".
"""

from declarations.services.events import NewEvent, record_health_event, record_health_events
from declarations.services.intake import (
    DECLARED_FIELDS,
    FamilyFull,
    IdNumberTaken,
    confirm,
    get_declaration_for_user,
    save_draft,
    sent_before,
)
from declarations.services.review import facts_for, review

__all__ = [
    "DECLARED_FIELDS",
    "FamilyFull",
    "IdNumberTaken",
    "NewEvent",
    "confirm",
    "facts_for",
    "get_declaration_for_user",
    "record_health_event",
    "record_health_events",
    "review",
    "save_draft",
    "sent_before",
]
