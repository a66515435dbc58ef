"""The declarations app's services: what views, tasks and other apps call.

intake.py: drafts and confirmation; review.py: the rules applied in the background.
"""

from declarations.services.intake import (
    DECLARED_FIELDS,
    FamilyFull,
    IdNumberTaken,
    confirm,
    get_declaration_for_user,
    save_draft,
)
from declarations.services.review import facts_for, review

__all__ = [
    "DECLARED_FIELDS",
    "FamilyFull",
    "IdNumberTaken",
    "confirm",
    "facts_for",
    "get_declaration_for_user",
    "review",
    "save_draft",
]
