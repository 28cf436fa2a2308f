"""The keys moderation knows people by: an author key per workspace, and an address key.

Both are salted HMACs (SHA-256, the project's SECRET_KEY) of the value lowercased and
stripped; the raw value is never stored. An author key is per workspace (the same person in
two workspaces has two unrelated keys); an address key is the same across workspaces, so a
rate rule can count one client address in each.

What the identity is belongs to the caller: for a comment on the site, the commenter's
e-mail address (or their name and website when they gave none); for an inbox item, the
network and the author's stable id there ("mastodon:https://social.example/users/ana");
for a visitor's suggestion, the address given or the client address.
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac

from outlier.core.models import Workspace

_AUTHOR_SALT = "outlier.moderation.author"
_ADDRESS_SALT = "outlier.moderation.address"


def author_key_for(workspace: Workspace | int, identity: str) -> str:
    """The author key of `identity` in `workspace` (64 hex characters)."""
    normal = (identity or "").strip().lower()
    if not normal:
        raise ValueError("An author key needs a non-empty identity.")
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return salted_hmac(f"{_AUTHOR_SALT}:{workspace_id}", normal, algorithm="sha256").hexdigest()


def address_key_for(address: str) -> str:
    """The key of a client address (64 hex characters), or "" when there is none."""
    normal = (address or "").strip().lower()
    if not normal:
        return ""
    return salted_hmac(_ADDRESS_SALT, normal, algorithm="sha256").hexdigest()
