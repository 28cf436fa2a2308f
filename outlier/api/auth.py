"""Bearer-token authentication and scope checks for the REST API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import HttpBearer

from outlier.core.actions import access_token
from outlier.core.models import ApiToken, Membership, Scope


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = access_token(token)
        if found is None:
            return None
        request.api_token, request.membership = found  # type: ignore[attr-defined]
        return found[0]


def membership(request: HttpRequest, write: bool = False) -> Membership:
    """The caller's membership; `write` requires a token with the write scope."""
    token: ApiToken = request.api_token  # type: ignore[attr-defined]
    if write and not token.allows(Scope.WRITE):
        raise PermissionDenied("This token has the read scope only; this call needs write.")
    return request.membership  # type: ignore[attr-defined,no-any-return]
