"""The Jinja2 environment for the pages rendered with Jinja2: the code page, the one page every
citizen opens at every gate (bench/README.md: Django's template language took about 40 % of its
request; Jinja2 compiles a template to Python once and renders it several times faster).

Everything else stays in Django's template language; templates/jinja2/base.html repeats
templates/base.html's layout, and tests/healthcode/test_jinja.py keeps the two the same. Only
`_()` on a string literal, first in an expression, is used for text: `manage.py makemessages`
finds those (its template scanner reads them as Django's `_()`), and the test checks that each
has its translation; plurals are made in Python (ngettext), where makemessages finds them too.

Apps give the pages functions by name (settings.HC_JINJA_GLOBALS), so that this module, the
core, imports none of them.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.csrf import get_token
from django.templatetags.static import static as django_static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from healthcode.templatetags.cached_url import cached_reverse, url_base
from healthcode.templatetags.site_tags import _language_choices

_static: dict[str, str] = {}
_static_lock = threading.Lock()
_texts: dict[tuple[str | None, str], str] = {}
TEXTS_LIMIT = 10_000


@pass_context
def text(context: Context, message: str) -> str:
    """`gettext`, remembered per language: the catalogues do not change while the process runs,
    and Django's lookup (the active translation, then its fallbacks) costs more than the dict.
    The language is the page's (LANGUAGE_CODE, from `page_context`), looked up once a page."""
    key = (context.get("LANGUAGE_CODE") or get_language(), message)
    found = _texts.get(key)
    if found is None:
        found = gettext(message)
        if len(_texts) < TEXTS_LIMIT:
            _texts[key] = found
    return found


@pass_context
def url(context: Context, name: str, *args: Any) -> str:
    """Django's `{% url %}`, remembered per process as there (healthcode/templatetags/cached_url.py),
    under the page's script prefix and URLconf (URL_BASE, from `page_context`: looked up once a
    page instead of once a URL)."""
    return cached_reverse(name, list(args), {}, None, base=context.get("URL_BASE"))


def static(path: str) -> str:
    """Django's `{% static %}`, remembered per process: the collected files (and their hashed
    names in the manifest) do not change while the process runs."""
    found = _static.get(path)
    if found is None:
        found = django_static(path)
        with _static_lock:
            _static[path] = found
    return found


def csrf_field(request) -> SafeString:
    """The CSRF form field, made once per request (Django's Jinja2 `csrf_input` masks the
    token anew every time it is printed; masking draws 32 random characters)."""
    field = getattr(request, "_hc_csrf_field", None)
    if field is None:
        field = request._hc_csrf_field = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        )
    return field


def page_context(request) -> dict[str, Any]:
    """The Jinja2 pages' one context processor: what every text and link of a page would look
    up again, looked up once (the active language; the script prefix and URLconf)."""
    return {
        "LANGUAGE_CODE": get_language(),
        "URL_BASE": url_base(),
    }


def date(value, fmt: str) -> str:
    """A time in the active time zone, as `fmt` (strftime's letters)."""
    if not value:
        return ""
    return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime(fmt)


def now(fmt: str) -> str:
    """Now in the active time zone, as `fmt` (strftime's letters)."""
    return timezone.localtime().strftime(fmt)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    """Tests that change the languages or the static files start afresh."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _texts.clear()
    if setting in {"STATIC_URL", "STORAGES"}:
        _static.clear()


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)  # always on, whatever settings say
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(text, ngettext, newstyle=False)
    env.globals.update(
        url=url,
        static=static,
        csrf_field=csrf_field,
        now=now,
        get_messages=get_messages,
        language_choices=_language_choices,
        TIME_ZONE=settings.TIME_ZONE,
    )
    env.globals.update({name: import_string(path) for name, path in settings.HC_JINJA_GLOBALS.items()})
    env.filters["date"] = date
    return env
