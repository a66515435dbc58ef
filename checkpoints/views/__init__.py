"""Checkpoint pages and endpoints; views parse and render, services decide and write.

staff.py: the verification page, its scan/upload endpoints, pharmacy purchases, the scan log;
manage.py: the manager's venue page and the venue-code poster; places.py: the citizen's side
of a venue code; api.py: the gate API; keys.py: the published verification keys.
"""
