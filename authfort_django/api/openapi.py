"""AuthfortAutoSchema: the OpenAPI operation of an authfort view, read from the view itself.

Every AuthfortAPIView uses it (its `schema` attribute), whatever the project's
REST_FRAMEWORK says. What a view declares, and what the schema makes of it:

    docstring                 summary (first paragraph) and description (the rest);
                              a method's docstring wins over its class's own (a
                              subclass describes itself: nothing is inherited)
    module                    the tag: api/views/sessions.py -> "sessions"
    authentication_classes    security requirements, and 401 with the challenge the view
                              sends; a token is optional unless a permission needs a user
    permission_classes        401 not_authenticated; 403 with each class's `code` and `message`
    allowed_before_mfa_setup  False (the default) on a view with a token: 403 mfa_setup_required
    serializer_class          the request body, validated: 400 invalid_request with `errors`
    parser_classes            for any request body: 400 parse_error, 413, 415
    throttle_classes          429 with Retry-After
    domain_errors             what the view's flows raise: a tuple of error classes, or a
                              dict of them by method ("post": (...)); a family's base without
                              a code of its own stands for its members; an authfort error's
                              status comes from api/errors.py's STATUS_BY_ERROR
    @extend_schema(...)       what cannot be read from code: the success answer
                              (`responses={201: Serializer}`, `{204: None}`), a body read
                              without a serializer (`request=`), security a class cannot
                              name (`auth=`)

Each error response holds what the view's own exception handler answers to a
representative error (`handle_exception`), so statuses, codes, example bodies and
headers are the ones clients get.
"""

from __future__ import annotations

import inspect
import json
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from drf_spectacular.drainage import warn
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.response import Response

from authfort_django.api import schema
from authfort_django.api.cookies import CSRFFailed
from authfort_django.api.permissions import StaffMFASetup
from authfort_django.api.schema_serializers import (
    ErrorSerializer,
    ValidationErrorSerializer,
)
from authfort_django.conf import authfort_settings
from authfort_django.exceptions import AuthfortError

# The headers of an error answer that tell a client what to do next.
_HEADERS = {
    "WWW-Authenticate": "The challenge (RFC 6750 for Bearer): how to authenticate; for a refused access "
    "token also `error` and `error_description`.",
    "Retry-After": "Seconds to wait before trying again.",
}


def _answers_of(declared: Any) -> list[type[Exception]]:
    """The declared error classes, a family's base (no code of its own, like ResetTokenError)
    standing for every member of the family that has one."""
    found: list[type[Exception]] = []
    for error in declared:
        if issubclass(error, AuthfortError) and "code" not in vars(error):
            found += _answers_of(error.__subclasses__())
        else:
            found.append(error)
    return found


class AuthfortAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema reading an authfort view: see the module's docstring."""

    def get_summary(self) -> str | None:
        return self._docstring()[0] or None

    def get_description(self) -> str:  # type: ignore[override]
        return self._docstring()[1]

    def _docstring(self) -> tuple[str, str]:
        handler = getattr(self.view, self.method.lower(), None)
        # The class's own docstring only: AuthfortAPIView's describes no endpoint.
        doc = getattr(handler, "__doc__", None) or type(self.view).__dict__.get("__doc__") or ""
        summary, _, description = inspect.cleandoc(doc).partition("\n\n")
        return " ".join(summary.split()).rstrip("."), description.strip()

    def get_tags(self) -> list[str]:
        return [type(self.view).__module__.rpartition(".")[2]]

    def get_auth(self) -> list[dict[str, list[Any]]]:
        requirements = super().get_auth()
        if requirements and not self._permissions() and {} not in requirements:
            requirements.append({})  # nothing needs a user: callers without a token are served too
        return requirements

    def get_request_serializer(self) -> Any:
        return getattr(self.view, "serializer_class", None)

    def get_response_serializers(self) -> Any:
        return None  # not guessed from serializer_class (the request's): see _get_response_bodies

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        if self.get_response_serializers() is None:
            warn(
                f"{type(self.view).__name__} does not say what {self.method} answers: decorate it with "
                "@extend_schema(responses={status: serializer}), or {204: None} for an empty answer."
            )
            responses: dict[str, Any] = {}
        else:
            responses = super()._get_response_bodies(direction)
        for status, response in self._error_responses().items():
            responses.setdefault(status, response)
        return responses

    # Errors, derived.

    def _permissions(self) -> list[Any]:
        # StaffMFASetup runs on every view but needs no user: it is documented as a refusal below.
        return [p for p in self.view.get_permissions() if not isinstance(p, (AllowAny, StaffMFASetup))]

    def _has_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None

    def _refusals(self) -> list[Exception]:
        """One representative error for each way this operation can be refused."""
        view = self.view
        refusals: list[Exception] = []
        for authenticator in view.get_authenticators():
            extension = OpenApiAuthenticationExtension.get_match(authenticator)
            rejection = getattr(extension, "get_rejection", None)
            refusals.append(rejection() if rejection else exceptions.AuthenticationFailed())
        if view.get_authenticators() and self._permissions():
            refusals.append(exceptions.NotAuthenticated())
        for permission in self._permissions():
            if not isinstance(permission, IsAuthenticated):  # it only ever refuses the anonymous
                refusals.append(exceptions.PermissionDenied(getattr(permission, "message", None),
                                                            getattr(permission, "code", None)))
        if view.get_authenticators() and not getattr(view, "allowed_before_mfa_setup", True):
            refusals.append(exceptions.PermissionDenied(StaffMFASetup.message, StaffMFASetup.code))
        if self.method not in SAFE_METHODS and self._authenticated_by_cookie():
            refusals.append(CSRFFailed(authfort_settings.COOKIE["CSRF_HEADER"]))
        if self._has_body():
            refusals += [exceptions.ParseError(), RequestDataTooBig(), exceptions.UnsupportedMediaType("text/plain")]
            if any(isinstance(p, (FormParser, MultiPartParser)) for p in view.get_parsers()):
                refusals.append(TooManyFieldsSent())
            if getattr(view, "serializer_class", None) is not None:
                refusals.append(self._invalid_body())
        if view.get_throttles():
            refusals.append(exceptions.Throttled(wait=59))
        declared = getattr(view, "domain_errors", ())
        if isinstance(declared, dict):
            declared = declared.get(self.method.lower(), ())
        for error in _answers_of(declared):
            try:
                refusals.append(error())
            except TypeError:  # the example is made without arguments, as AuthfortError's are
                warn(f"{type(view).__name__}.domain_errors: {error.__name__}() needs arguments; "
                     "declare an error class that can be made without any.")
        return refusals

    def _authenticated_by_cookie(self) -> bool:
        return any(name in schema.CSRF_CHECKED_SCHEMES for requirement in self.get_auth() for name in requirement)

    def _invalid_body(self) -> exceptions.ValidationError:
        fields = [name for name, field in self.view.serializer_class().fields.items() if not field.read_only]
        return exceptions.ValidationError({fields[0] if fields else "non_field_errors": ["This field is required."]})

    def _answer(self, refusal: Exception) -> Response | None:
        try:
            # What the view itself answers: DRF's 401-or-403 choice, the challenge, the
            # project's exception handler. (DRF's handler may mark an ATOMIC_REQUESTS
            # transaction for rollback; generating a schema writes nothing, so nothing is lost.)
            return self.view.handle_exception(refusal)
        except Exception:  # noqa: BLE001 - DRF re-raises what the handler does not answer
            warn(f"{type(self.view).__name__}'s exception handler does not answer {type(refusal).__name__}: "
                 "answer it in api/errors.py, or take it out of the view's domain_errors.")
            return None

    def _error_responses(self) -> dict[str, dict[str, Any]]:
        answers: dict[int, list[Response]] = {}
        for refusal in self._refusals():
            answer = self._answer(refusal)
            if answer is not None:
                answers.setdefault(answer.status_code, []).append(answer)
        return {str(status): self._error_response(status, answers[status]) for status in sorted(answers)}

    def _error_response(self, status: int, answers: list[Response]) -> dict[str, Any]:
        examples: dict[str, dict[str, Any]] = {}
        for answer in answers:
            body = json.loads(json.dumps(answer.data, default=str))  # ErrorDetail and lazy text as plain JSON
            examples.setdefault(str(body.get("code", status)), {"value": body})
        shape = ValidationErrorSerializer if any("errors" in e["value"] for e in examples.values()) else ErrorSerializer
        schema_ref = self.resolve_serializer(shape, "response").ref
        codes = ", ".join(f"`{code}`" for code in examples)
        response: dict[str, Any] = {
            "description": f"{HTTPStatus(status).phrase}: {codes}.",
            "content": {
                media_type: {"schema": schema_ref, "examples": examples}
                for media_type in self.map_renderers("media_type")
            },
        }
        headers = {}
        for name, description in _HEADERS.items():
            values = [answer[name] for answer in answers if answer.has_header(name)]
            if values:
                headers[name] = {"description": description, "required": len(values) == len(answers),
                                 "schema": {"type": "string"}, "example": values[0]}
        if headers:
            response["headers"] = headers
        return response
