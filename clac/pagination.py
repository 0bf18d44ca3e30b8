"""Page-numbered pagination of the dashboard's long lists whose last pages cost what the first
pages cost.

Django's Paginator reads page n as `ORDER BY … OFFSET (n-1)*size LIMIT size`: the database
walks (or sorts) every row before the offset, so the last page of a 100,000-row list is the
slowest. ReversiblePaginator reads a page in the second half of the list from the other end
instead: the same rows in the reversed order with the small offset counted from the end, put
back in order in Python. The first and the last page then cost the same (a top-N sort, or an
index scan when the order has an index), and no page costs more than the middle one.

It needs a queryset with a total order (every list here ends its ordering with the primary
key), so that reversing the order gives exactly the same rows in the reverse sequence; nulls
reverse with it (PostgreSQL and SQLite both place NULLs at opposite ends of ASC and DESC)."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

__all__ = ["ReversiblePaginator"]


class ReversiblePaginator(Paginator):
    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        object_list = self.object_list
        if not isinstance(object_list, QuerySet) or not object_list.ordered or bottom <= self.count - top:
            return Page(object_list[bottom:top], number, self)
        # Past the middle: from the end, in the reversed order, then back in order.
        rows = list(object_list.reverse()[self.count - top : self.count - bottom])
        rows.reverse()
        return Page(rows, number, self)
