"""A list page's filters that name a date no query can hold answer with the page unfiltered and
a message, never a server error.

The date links (`date_hierarchy`) and the date filters (`DateFieldListFilter`) take their values
from the address. Django's list page turned year 9999 into a server error (the year after it
does not exist: ValueError), a 40-digit year too (OverflowError), and on SQLite a day in year 1
as well: midnight of 1 January of year 1 in Henan's time zone is a moment of year 0 in UTC,
which Python cannot hold when the value is made a query parameter (OverflowError, raised when
the page's query is compiled, long after the filters were applied). The project's admin site
(healthcode/admin_selection.py) gives every admin registered on it this behaviour.
"""

from __future__ import annotations

from functools import cache

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.utils.translation import gettext as _

OUT_OF_RANGE = (ValueError, OverflowError)


class DatesInRangeChangeList:
    """Mixed in before a ChangeList class (see `in_range`)."""

    def get_queryset(self, request, exclude_parameters=None):
        try:
            queryset = super().get_queryset(request, exclude_parameters)
            # The filters' values become query parameters only when the query is compiled:
            # compile it here, where a value that does not fit is the address's fault.
            queryset.query.get_compiler(queryset.db).as_sql()
        except (EmptyResultSet, FullResultSet):
            pass  # a query that needs no SQL, or no WHERE: nothing out of range
        except OUT_OF_RANGE as error:
            # Django's list page answers IncorrectLookupParameters with the list, unfiltered.
            messages.warning(request, _("The date in the address is out of range: the list is shown without filters."))
            raise IncorrectLookupParameters(error) from error
        return queryset


@cache
def in_range(changelist: type[ChangeList]) -> type[ChangeList]:
    return type(changelist.__name__, (DatesInRangeChangeList, changelist), {"__module__": __name__})


class DatesInRange:
    """Put first in a ModelAdmin's bases, as KeysOnlySelection is."""

    def get_changelist(self, request, **kwargs):
        return in_range(super().get_changelist(request, **kwargs))
