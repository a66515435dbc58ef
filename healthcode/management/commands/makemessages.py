"""`makemessages` without fuzzy matching: a new msgid starts empty, to be translated, instead of
being guessed from a similar one and flagged fuzzy (tests/test_i18n.py refuses both)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
