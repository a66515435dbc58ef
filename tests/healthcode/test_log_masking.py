"""No full ID or mobile number in any log line, whoever writes it: the project's own loggers,
Django's (a 404's path, a refused Host header), an SMS through the console backend, a Celery
worker's handlers and gunicorn's access log (a reviewer's search by full number is in its URL).

Each test writes through the handlers the process really runs with (settings.LOGGING, Celery's
worker set-up, the Procfile's gunicorn command), not pytest's capture, which sees records before any handler.
"""

from __future__ import annotations

import io
import logging
import logging.config
import shlex
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from declarations.services.reviewers import assign_reviewer, override_colour
from family import sms
from family.services import inbox, self_applicant
from healthcode.models import City
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13912345678"
ID_NUMBER = "41010119900307123X"
FULL = (PHONE, ID_NUMBER, ID_NUMBER[:17])


def _full_numbers(text: str) -> list[str]:
    return [number for number in FULL if number in text]


@pytest.fixture
def real_logging():
    """The process's logging as settings.LOGGING makes it, its console into a buffer; pytest's
    own handlers and the root's level put back afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {name: logging.getLogger(name).handlers[:] for name in ("django",)})
    logging.config.dictConfig(settings.LOGGING)
    buffer = io.StringIO()
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(buffer)
    yield buffer
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, handlers in saved[2].items():
        logging.getLogger(name).handlers[:] = handlers


def test_console_sms_with_a_reviewers_reason_naming_a_number_is_logged_masked(
    real_logging, green_citizen, settings, django_capture_on_commit_callbacks
):
    """A reviewer's reason is their own words, and the SMS carries it: the console backend
    (the default) wrote it to the log as typed."""
    settings.HC_SMS_BACKEND = "family.sms.console.ConsoleBackend"
    reviewer = factories.account("13600000009")
    assign_reviewer(reviewer, City.objects.get(code="410100"))
    person = self_applicant(green_citizen)
    with django_capture_on_commit_callbacks(execute=True):
        override_colour(person.pk, reviewer, colour="yellow", reason=f"Reported by {PHONE}, ID {ID_NUMBER}, by phone")
    inbox.send_waiting()
    text = real_logging.getvalue()
    assert "SMS to 138****8000" in text, text
    assert "Reported by 139****5678" in text, text
    assert _full_numbers(text) == [], text


def test_djangos_request_and_security_loggers_mask_what_the_request_carried(real_logging, client, citizen):
    """django.request logs a 404's path (an 18-digit id is a valid address), django.security a
    refused Host header as sent: both are whatever a client typed, a person's number too."""
    client.force_login(citizen)
    assert client.get(f"/code/{ID_NUMBER[:17]}1/").status_code == 404
    assert client.get("/", HTTP_HOST=f"{PHONE}.example.com").status_code == 400
    text = real_logging.getvalue()
    assert "Not Found: /code/" in text and "Invalid HTTP_HOST header" in text, text
    assert _full_numbers(text) == [], text


def test_a_traceback_is_logged_masked(real_logging):
    try:
        raise ValueError(f"no account for {PHONE}")
    except ValueError:
        logging.getLogger("healthcode.test").exception("while looking up %s", ID_NUMBER)
    text = real_logging.getvalue()
    assert "ValueError: no account for 139****5678" in text, text
    assert "while looking up 4101**********123X" in text, text
    assert _full_numbers(text) == []


def test_task_ids_hex_tokens_and_times_stay_as_they_are(real_logging):
    line = "Task x[3c1b0f52-8e04-4f61-9834-123456789012] nonce 8e04f61598344d13b7ddc17224266265 at 2026-03-01"
    logging.getLogger("healthcode.test").warning(line)
    assert line in real_logging.getvalue()


def test_a_celery_worker_masks_what_it_logs(tmp_path):
    """A worker (and beat) replaces the root logger's handlers with its own (Celery hijacks
    it): settings.LOGGING's filter is gone there, so healthcode/celery.py puts it on Celery's."""
    from healthcode.celery import app

    root, task_logger = logging.getLogger(), logging.getLogger("celery.task")
    saved = (root.handlers[:], root.level, task_logger.handlers[:], task_logger.propagate, app.log.already_setup)
    logfile = tmp_path / "worker.log"
    try:
        app.log.already_setup = False
        app.log.setup_logging_subsystem(loglevel="INFO", logfile=str(logfile), colorize=False)
        logging.getLogger("family.sms").info("SMS to %s: %s", "139****5678", f"call {PHONE}")
        logging.getLogger("celery.app.trace").info("Task %s succeeded: %r", "t", [ID_NUMBER])
        task_logger.warning("task says %s", PHONE)
        for handler in root.handlers + task_logger.handlers:
            handler.flush()
    finally:
        for handler in root.handlers + task_logger.handlers:
            if handler not in saved[0] + saved[2]:
                handler.close()
        root.handlers[:], task_logger.handlers[:] = saved[0], saved[2]
        root.setLevel(saved[1])
        task_logger.propagate = saved[3]
        app.log.already_setup = saved[4]
    text = logfile.read_text()
    assert "call 139****5678" in text and "task says 139****5678" in text, text
    assert _full_numbers(text) == [], text


def test_gunicorns_access_log_masks_numbers_in_the_request_line_and_referer():
    """The admin's search takes a full ID or mobile number (declarations/admin/search.py), sent
    by GET: gunicorn's access log (Procfile: --access-logfile -) wrote the URL as it came."""
    from gunicorn.config import Config

    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    args = shlex.split(web.removeprefix("web:"))
    cfg = Config()
    cfg.set("logger_class", args[args.index("--logger-class") + 1])  # the production command's
    cfg.set("accesslog", "-")
    logger = cfg.logger_class(cfg)
    buffer = io.StringIO()
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.setStream(buffer)

    class Response:
        status, sent, headers = "200 OK", 512, []

    class Request:
        headers = []

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/admin/declarations/person/?q={ID_NUMBER}",
        "PATH_INFO": "/admin/declarations/person/",
        "QUERY_STRING": f"q={ID_NUMBER}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": f"https://hc.example/admin/declarations/person/?q={PHONE}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    logger.access(Response(), Request(), environ, timedelta(milliseconds=12))
    logger.error("worker says %s", PHONE)
    text = buffer.getvalue()
    assert "GET /admin/declarations/person/?q=4101**********123X HTTP/1.1" in text, text
    assert _full_numbers(text) == [], text
    # As a browser sends what was typed: %-encoded, spaces as "+", a +86 in front.
    typed = [
        f"%2B86{PHONE}",
        "+86+" + "+".join((PHONE[:3], PHONE[3:7], PHONE[7:])),
        "%20".join((PHONE[:3], PHONE[3:7], PHONE[7:])),
    ]
    typed.append("+".join((ID_NUMBER[:6], ID_NUMBER[6:14], ID_NUMBER[14:])))
    for query in typed:
        buffer.truncate(0)
        buffer.seek(0)
        sent = environ | {"RAW_URI": f"/search/?q={query}", "PATH_INFO": "/search/", "QUERY_STRING": f"q={query}"}
        logger.access(
            Response(), Request(), sent | {"HTTP_REFERER": f"https://hc.example/search/?q={query}"}, timedelta(1)
        )
        text = buffer.getvalue()
        digits = "".join(ch for ch in text if ch.isdigit() or ch in "Xx")
        assert PHONE not in digits and ID_NUMBER not in digits, text
    # A URL without a number is logged as it came, and no decoded line break reaches the log.
    buffer.truncate(0)
    buffer.seek(0)
    sent = environ | {"RAW_URI": "/search/?q=a%0Ab", "QUERY_STRING": "q=a%0Ab", "HTTP_REFERER": "-"}
    logger.access(Response(), Request(), sent, timedelta(1))
    assert "q=a%0Ab" in buffer.getvalue() and buffer.getvalue().count("\n") == 1


def test_the_sms_outbox_keeps_full_numbers_for_the_gateway(green_citizen, settings):
    """Masking is for logs only: what is sent still goes to the full number."""
    settings.HC_SMS_BACKEND = "family.sms.locmem.LocmemBackend"
    sms.outbox.clear()
    sms.send_sms(PHONE, "hello")
    assert sms.outbox[-1].to == PHONE


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("to +8613912345678 refused", "to +8613*****5678 refused"),
        ("tel 139 1234 5678.", "tel 139****5678."),
        ("身份证41010119900307123X。", "身份证4101**********123X。"),
        ("old ID 410101900307123", "old ID 4101*******7123"),
        ("/admin/x/?q=13912345678&p=2", "/admin/x/?q=139****5678&p=2"),
        ("3c1b0f52-8e04-4f61-9834-123456789012", "3c1b0f52-8e04-4f61-9834-123456789012"),
        ("8e04f61598344d13b7ddc17224266265 1234567 2026-03-01 17:34:40,011", None),
    ],
)
def test_what_a_log_line_masks(line, masked):
    from healthcode.masking import mask_log_text

    assert mask_log_text(line) == (line if masked is None else masked)
