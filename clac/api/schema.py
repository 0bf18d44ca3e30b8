"""OpenAPI documentation of what drf-spectacular cannot guess: our two key schemes and the
standard error body on every operation. Imported by clac.api.urls so the extensions are
registered before a schema is generated."""

from typing import Any, Literal

from django.utils import translation
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers

from clac.api.permissions import HasPartnerScope
from clac.api.scopes import SCOPES

PARTNER_KEY_SCHEME = "partnerKey"
STAFF_TOKEN_SCHEME = "staffToken"  # noqa: S105 (a scheme name, not a secret)


def _view_accepts_partners(view: Any) -> bool:
    return any(issubclass(p, HasPartnerScope) for p in getattr(view, "permission_classes", ()))


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "clac.api.authentication.PartnerKeyAuthentication"
    name = PARTNER_KEY_SCHEME

    # drf-spectacular reads None as "no requirement", which its stubs do not say.
    def get_security_requirement(self, auto_schema: AutoSchema) -> dict[str, list] | None:  # type: ignore[override]
        # Staff endpoints authenticate a partner key only to refuse it with 403: not a way in.
        if not _view_accepts_partners(auto_schema.view):
            return None
        return {self.name: []}

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        # English whatever the reader's language (the schema view renders in English too).
        with translation.override("en"):
            scopes = "; ".join(f"`{code}`: {label}" for code, label in SCOPES.items())
        # HTTP bearer: the docs' "Authorize" box takes the bare key and sends the header itself.
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A Fairtrade partner's key: paste the bare key. Scripts send `Authorization: Bearer <key>` "
                "(or `Authorization: Api-Key <key>`). Keys are issued by CLAC, expire, can be revoked, and "
                f"carry scopes: {scopes}. Each endpoint names the scope it needs; partner keys never reach "
                "staff endpoints."
            ),
        }


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "clac.api.authentication.StaffTokenAuthentication"
    name = STAFF_TOKEN_SCHEME

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A CLAC staff member's personal token for scripts: paste the bare token. Scripts send "
                "`Authorization: Bearer <token>` (or `Authorization: Token <token>`); create one with "
                "`manage.py create_staff_token --user NAME`. It acts with the user's own roles."
            ),
        }


class ErrorContentSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: invalid, not_authenticated, permission_denied, …")
    message = serializers.CharField(help_text="Human-readable, in the request's language.")
    details = serializers.DictField(
        help_text="Always present; empty when there is nothing more to say. For `invalid`: field name → "
        "list of messages (`non_field_errors` for the rest). For `throttled`: `retry_after` seconds.",
    )


# many=False: the error body is one object even on list operations.
@extend_schema_serializer(many=False)
class ErrorSerializer(serializers.Serializer):
    error = ErrorContentSerializer()


class ClacAutoSchema(AutoSchema):
    """Adds the standard error responses to every operation that can produce them."""

    def _error_codes(self) -> dict[str, str]:
        codes = {
            "400": "Invalid input or query parameters.",
            "401": "No credentials, or a malformed, unknown, revoked or expired key.",
            "403": "Authenticated but not allowed: wrong role or a key without the scope.",
            "429": "Too many requests for this key; retry after `Retry-After` seconds.",
        }
        if "{" in self.path:
            codes["404"] = "No such object (or not visible to you)."
        elif self.method in ("POST", "PUT", "PATCH"):
            # A write names other objects by id in its body (an agreement, a session…).
            codes["404"] = "An object named in the body does not exist (or is not visible to you)."
        return codes

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in self._error_codes().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code, direction=direction
                )
        return responses
