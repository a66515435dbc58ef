"""The WSGI application: Django's handler with the machine routes' short middleware chain
(healthcode/handlers.py)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcode.settings")
django.setup(set_prefix=False)  # as get_wsgi_application(): the prefix comes with each request

from healthcode.handlers import HealthCodeWSGIHandler  # noqa: E402  (after setup)

application = HealthCodeWSGIHandler()
