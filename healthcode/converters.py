"""The `<id:...>` path converter: a database key in an address.

Django's `<int:...>` takes any run of digits, and an id longer than a key can be (every key here
is a 64-bit integer, DEFAULT_AUTO_FIELD) reached the database, which refused it: a server error
for a mistyped or tampered address. `<id:...>` takes 1 to 18 digits (every 64-bit key has at
most 19, and the 18 cover a quintillion rows): anything longer is not a URL of this site, 404.
"""

from django.urls.converters import IntConverter


class IdConverter(IntConverter):
    regex = "[0-9]{1,18}"
