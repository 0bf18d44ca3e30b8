"""Base classes for the API's views, and the JSON 404 for unknown API paths."""

from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clac.api.schema import ClacAutoSchema


class ClacAPIView(APIView):
    """An API view: deny-by-default permissions and the standard error responses documented."""

    schema = ClacAutoSchema()


class ClacGenericViewSet(viewsets.GenericViewSet):
    schema = ClacAutoSchema()
    # Numeric ids only: "/organizations/abc/" is a 404 from the router, not a 500 or a 400.
    lookup_value_regex = r"[0-9]+"


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Unknown paths under /api/ answer with the standard error body instead of an HTML page."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    def _not_found(self, request: Request, *args, **kwargs) -> Response:
        raise NotFound()

    get = post = put = patch = delete = head = options = _not_found


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, in English whatever the reader's language: the reference's own
    texts are English, and a translated scope or choice label among them would read as a mix."""

    def dispatch(self, request, *args, **kwargs):
        with translation.override("en"):
            response = super().dispatch(request, *args, **kwargs)
            # Rendered inside the override too: the document holds lazy translations.
            response.render()
        return response
