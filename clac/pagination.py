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
reverse with it (PostgreSQL and SQLite both place NULLs at opposite ends of ASC and DESC).

`ids_first=True` (the registry list) also sorts narrow rows: the page's primary keys are chosen
by a subquery that reads only the sort keys (`WHERE id IN (SELECT id … ORDER BY … LIMIT n)`),
and only those n rows are read whole with their joined tables. Without it, an order that no
index serves (a column of a joined table: the country's name, the membership's status) makes
the database join and sort every row of the list whole to keep n of them; with it, the sort
carries an id and its keys (often from an index alone). Still one query, the same rows.

`count=` takes the list's length when the caller knows a cheaper way to count it."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

__all__ = ["ReversiblePaginator"]


class ReversiblePaginator(Paginator):
    def __init__(self, *args: Any, ids_first: bool = False, count: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ids_first = ids_first
        if count is not None:
            # The caller counted the list a cheaper way than COUNT(*) over its query (e.g. from
            # an index alone); Paginator.count is a cached property, so this is its value.
            self.__dict__["count"] = count

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        object_list = self.object_list
        if self.ids_first and isinstance(object_list, QuerySet) and object_list.ordered:
            # Past the middle, the ids from the end in the reversed order; the rows come back in
            # the list's order either way (the outer query sorts only the page's rows).
            if bottom <= self.count - top:
                ids = object_list.values("pk")[bottom:top]
            else:
                ids = object_list.reverse().values("pk")[self.count - top : self.count - bottom]
            return Page(list(object_list.filter(pk__in=ids)), number, self)
        if not isinstance(object_list, QuerySet) or not object_list.ordered or bottom <= self.count - top:
            return Page(object_list[bottom:top], number, self)
        # Past the middle: from the end, in the reversed order, then back in order.
        rows = list(object_list.reverse()[self.count - top : self.count - bottom])
        rows.reverse()
        return Page(rows, number, self)
