"""Fuzz tests run 1,000 inputs per target: the libraries' per-request log lines (a failed
login, a 400, a 404) are noise there and cost time, so they are kept to errors."""

from __future__ import annotations

import logging

import pytest

QUIET = ("axes", "django.request", "django.security", "celery", "family.sms")


@pytest.fixture(autouse=True)
def _quiet_logs():
    loggers = [logging.getLogger(name) for name in QUIET]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
