"""The family app's services: what views and higher apps call.

accounts.py: accounts, "self" and access helpers; members.py: Family Agent (limits, ID
ownership, take-over, removal, notices); paper.py: printable paper codes; inbox.py: every
colour change told to the account (the inbox on the site and SMS).
"""

from family.services.accounts import (
    AccountExists,
    applicants_for,
    create_account,
    get_applicant_for_user,
    last_shown,
    remember_shown,
    self_applicant,
    signed_up_just_now,
)
from family.services.members import (
    MAX_FAMILY_MEMBERS,
    CannotRemove,
    FamilyFull,
    IdNumberTaken,
    add_member,
    give_notice,
    has_room_for_member,
    holder_of,
    id_number_free_for,
    mark_notices_read,
    may_take_over,
    member_count,
    remove_member,
    take_over,
    unread_notices,
    update_person,
)

__all__ = [
    "MAX_FAMILY_MEMBERS",
    "AccountExists",
    "CannotRemove",
    "FamilyFull",
    "IdNumberTaken",
    "add_member",
    "applicants_for",
    "create_account",
    "get_applicant_for_user",
    "give_notice",
    "has_room_for_member",
    "holder_of",
    "id_number_free_for",
    "last_shown",
    "mark_notices_read",
    "may_take_over",
    "member_count",
    "remember_shown",
    "remove_member",
    "self_applicant",
    "signed_up_just_now",
    "take_over",
    "unread_notices",
    "update_person",
]
