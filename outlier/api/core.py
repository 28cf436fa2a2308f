"""API tokens: created with e-mail and password, shown once."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status

from outlier.core import login_throttle
from outlier.core.actions import do_create_token
from outlier.core.client_ip import client_ip
from outlier.core.models import Membership

router = Router(tags=["tokens"])


class TokenIn(Schema):
    email: str
    password: str
    name: str = "API"
    scope: Literal["read", "write"] = "read"
    workspace: str | None = None


class TokenOut(Schema):
    token: str
    name: str
    scope: str
    workspace: str
    created_at: datetime


@router.post(
    "", auth=None, response={201: TokenOut}, summary="Create a token with e-mail and password"
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    ip = client_ip(request)
    if login_throttle.is_locked(payload.email, ip):
        raise PermissionDenied("Too many failed attempts; try again in a few minutes.")
    user = authenticate(request, username=payload.email.strip().lower(), password=payload.password)
    if user is None:
        login_throttle.record_failure(payload.email, ip)
        raise PermissionDenied("The e-mail address or the password is wrong.")
    memberships = Membership.objects.select_related("workspace").filter(user=user)
    if payload.workspace:
        memberships = memberships.filter(workspace__slug=payload.workspace)
    membership = memberships.order_by("created_at").first()
    if membership is None:
        raise ValidationError({"workspace": "You are not a member of this workspace."})
    token, raw = do_create_token(user, membership.workspace, payload.name, payload.scope)  # type: ignore[arg-type]
    return Status(
        201,
        {
            "token": raw,
            "name": token.name,
            "scope": token.scope,
            "workspace": membership.workspace.slug,
            "created_at": token.created_at,
        },
    )
