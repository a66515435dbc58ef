"""Settings for `make bench`: the real settings, plus the bare baseline view's URL.

Everything else comes from the environment that bench/run.py sets for gunicorn (DEBUG off,
a throwaway SECRET_KEY and key directory, plain HTTP on 127.0.0.1, a fresh database).
"""

from healthcode.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
