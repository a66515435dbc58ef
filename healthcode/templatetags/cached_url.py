"""Django's `{% url %}`, with the answers remembered by the process.

A template builtin (settings.TEMPLATES), so every template's `{% url %}` is this one. Reversing
a URL name walks the URL patterns and formats the match on every call: about 30 µs, and the
code page has 13 of them (bench/README.md). The answer depends only on the name, the
arguments, the current app (the admin's namespaces), the script prefix and the URLconf, so it
is remembered under exactly those, when the arguments are plain numbers and strings; anything
else (a model instance, say) is reversed every time, as Django does. Failures are not
remembered. The memory is bounded: a process that has seen `LIMIT` different URLs starts over.
"""

from __future__ import annotations

import threading

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

LIMIT = 10_000
_PLAIN = (int, str)
_cache: dict[tuple, str] = {}
_lock = threading.Lock()


def url_base() -> tuple[str, str]:
    """What a URL depends on besides its name and arguments: the script prefix and the URLconf
    of the current request."""
    return get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF


def cached_reverse(
    view_name, args: list, kwargs: dict, current_app: str | None, base: tuple[str, str] | None = None
) -> str:
    """`reverse`, remembered. `base` is `url_base()` when the caller has looked it up already
    (the Jinja2 pages do so once a page)."""
    values = [*args, *kwargs.values()]
    if not isinstance(view_name, str) or not all(type(value) in _PLAIN for value in values):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    key = (view_name, tuple(args), tuple(sorted(kwargs.items())), current_app, *(base or url_base()))
    found = _cache.get(key)
    if found is None:
        found = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        with _lock:
            if len(_cache) >= LIMIT:
                _cache.clear()
            _cache[key] = found
    return found


def clear() -> None:
    """Forget every remembered URL."""
    with _lock:
        _cache.clear()


class CachedURLNode(URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = cached_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """`{% url 'name' arg1 arg2 %}`, `{% url 'name' key=value %}`, `{% url ... as var %}`: as Django's."""
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
