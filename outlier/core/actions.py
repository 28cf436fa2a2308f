"""Writes about accounts, workspaces, members and API tokens, and the checked reads."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from outlier.core.models import ApiToken, Membership, Role, Scope, User, Workspace, hash_token

TOKEN_PREFIX = "olr_"  # noqa: S105 (a public prefix, not a secret)
RESERVED_WORKSPACE_SLUGS = {"new", "admin", "api", "static", "media"}


# --- workspaces and members -------------------------------------------------------------


def access_workspace(user: User, slug: str, role: str = Role.VIEWER) -> Membership:
    """The user's membership of workspace `slug`, if their role is at least `role`.

    A workspace the user is not a member of is reported as missing (404), so its
    existence does not leak; a member whose role is too low gets 403.
    """
    if not user.is_authenticated:
        raise PermissionDenied("Log in first.")
    membership = (
        Membership.objects.select_related("workspace")
        .filter(user=user, workspace__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404("No such workspace.")
    check_role(membership, role)
    return membership


def check_role(member: Membership, role: str) -> None:
    """403 unless the member's role is at least `role`."""
    if not member.allows(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role or higher.")


def check_workspace(name: str, slug: str = "") -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the workspace a name."})
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError({"slug": "The address must contain letters or digits."})
    if slug in RESERVED_WORKSPACE_SLUGS:
        raise ValidationError({"slug": f"“{slug}” is reserved; choose another address."})
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"The address “{slug}” is taken; choose another."})
    return name, slug


def do_create_workspace(owner: User, name: str, slug: str = "") -> Workspace:
    name, slug = check_workspace(name, slug)
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(name=name, slug=slug)
            Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    except IntegrityError as exc:
        raise ValidationError({"slug": f"The address “{slug}” is taken; choose another."}) from exc
    return workspace


def do_add_member(workspace: Workspace, email: str, role: str) -> tuple[Membership, bool]:
    """Add a member by e-mail; creates the account (without a usable password) if needed.

    Returns the membership and whether the account is new (it then needs a set-up link).
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if not email or "@" not in email:
        raise ValidationError({"email": "Enter a valid e-mail address."})
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        created = user is None
        if user is None:
            user = User.objects.create_user(email=email, password=None)
        membership, made = Membership.objects.get_or_create(
            workspace=workspace, user=user, defaults={"role": role}
        )
        if not made:
            raise ValidationError({"email": f"{email} is already a member."})
    return membership, created


def _check_keeps_an_owner(membership: Membership) -> None:
    if membership.role == Role.OWNER and (
        Membership.objects.filter(workspace=membership.workspace, role=Role.OWNER).count() <= 1
    ):
        raise ValidationError("A workspace needs at least one owner.")


def do_change_role(membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if role != Role.OWNER:
        _check_keeps_an_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def do_remove_member(membership: Membership) -> None:
    _check_keeps_an_owner(membership)
    membership.delete()


def do_bootstrap_owner(email: str, password: str, workspace_name: str = "My brand") -> User | None:
    """Create the first owner and workspace; does nothing once any account exists."""
    if User.objects.exists():
        return None
    email = User.objects.normalize_email(email.strip()).lower()
    if "@" not in email:
        raise ValidationError("OUTLIER_ADMIN_EMAIL is not an e-mail address.")
    user = User(email=email)
    validate_password(password, user)
    with transaction.atomic():
        user = User.objects.create_superuser(email=email, password=password)
        do_create_workspace(user, workspace_name)
    return user


# --- API tokens ---------------------------------------------------------------------------


def do_create_token(
    user: User, workspace: Workspace, name: str, scope: str
) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and only its hash is kept."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name."})
    if scope not in Scope.values:
        raise ValidationError({"scope": "The scope must be read or write."})
    if not Membership.objects.filter(user=user, workspace=workspace).exists():
        raise PermissionDenied("You are not a member of this workspace.")
    if ApiToken.objects.filter(user=user, workspace=workspace, name__iexact=name).exists():
        raise ValidationError({"name": f"You already have a token named “{name}”."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        workspace=workspace,
        name=name[:80],
        scope=scope,
        prefix=raw[:12],
        token_hash=hash_token(raw),
    )
    return token, raw


def do_revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def access_token(raw: str) -> tuple[ApiToken, Membership] | None:
    """The live token for a raw bearer value, with its owner's current membership."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "workspace")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(user=token.user, workspace=token.workspace)
        .first()
    )
    if membership is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, membership
