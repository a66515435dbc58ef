"""The checkpoints app's services: what its views and tasks call.

verify.py: judge a scanned code and log it (the hot path); access.py: who may use a venue's
pages; keys.py: gate API keys; ratelimit.py: request limits over the cache; visits.py: venue
codes; pharmacy.py: medicine purchases; retention.py: purging old scans; stats.py: the
manager's numbers.
"""

from checkpoints.services.access import get_venue_for_staff, is_manager, roles_for
from checkpoints.services.verify import BadScan, ScanResult, verify_scan

__all__ = ["BadScan", "ScanResult", "get_venue_for_staff", "is_manager", "roles_for", "verify_scan"]
