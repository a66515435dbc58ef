"""Database backends: Django's own, with the project's changes (one concern each)."""
