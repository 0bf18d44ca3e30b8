from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class DefaultCursorPagination(CursorPagination):
    """Cursor pagination: stable pages over a changing registry, constant cost per page.

    Bad paging input is a 400 like any other bad parameter (DRF answers a broken cursor with a
    404 and silently replaces a bad page size by the default): `cursor` must be one this API
    handed out, `page_size` a whole number from 1 to `max_page_size`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering: str | tuple[str, ...] = "-id"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw.strip())
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def decode_cursor(self, request: Request) -> Cursor | None:
        # DRF raises NotFound for a cursor it cannot decode; it is the client's input: a 400.
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: [_("This cursor is not valid: use the next or previous link of a page.")]}
            ) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
            if parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "The `next` or `previous` link of a page carries it; any other value is a 400."
                )
        return parameters
