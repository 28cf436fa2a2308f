"""The REST API under /api/v1/: one router per app, bearer tokens, clear errors."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from outlier import __version__
from outlier.api import (
    analytics,
    contacts,
    core,
    curation,
    digests,
    fediverse,
    inbox,
    links,
    moderation,
    publishing,
    sources,
    suggestions,
)
from outlier.api.auth import TokenAuth
from outlier.api.contact_exchange import router as contact_exchange_router

api = NinjaAPI(
    title="Outlier API",
    version=__version__,
    description="Curate, publish, converse, measure. Authenticate with `Authorization: Bearer <token>`.",
    auth=TokenAuth(),
    urls_namespace="api",
)
api.add_router("/tokens", core.router)
api.add_router("/", curation.router)
api.add_router("/", publishing.router)
api.add_router("/", fediverse.router)
api.add_router("/", analytics.router)
api.add_router("/", links.router)
api.add_router("/", inbox.router)
api.add_router("/", contacts.router)
api.add_router("/", contact_exchange_router)
api.add_router("/", sources.router)
api.add_router("/", suggestions.router)
api.add_router("/", digests.router)
api.add_router("/", moderation.router)


def validation_errors(exc: ValidationError) -> dict[str, object]:
    if hasattr(exc, "error_dict"):
        fields = {
            name: [str(m) for e in errs for m in e.messages]
            for name, errs in exc.error_dict.items()
        }
        first = next(iter(fields.values()))[0]
        return {"detail": first, "errors": fields}
    return {"detail": " ".join(exc.messages), "errors": {}}


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, validation_errors(exc), status=400)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc) or "You do not have permission to do this."}, status=403
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "Send a valid API token: Authorization: Bearer <token>."},
        status=401,
    )
