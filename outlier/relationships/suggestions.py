"""Merge suggestions, only on proof, never applied without a person's click.

Two proofs count:

- a Bluesky handle that is a domain of its own (not a handle under bsky.social or another
  provider's domain: a handle is a domain its owner proved to Bluesky by DNS or a well-known
  file) and a fediverse profile whose website is that domain, verified by its server (Mastodon
  checks the page links back with rel=me and says so, `Identity.website` holds only such
  links);
- the same verified website on two identities.

A shared name, picture or bio is no proof and is never suggested.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from outlier.core.actions import check_role
from outlier.core.models import Membership
from outlier.relationships import actions
from outlier.relationships.models import (
    Identity,
    IdentityNetwork,
    MergeSuggestion,
    SuggestionState,
)

# Handles under these domains are given by a provider, not proven by their owner.
PROVIDED = ("bsky.social", "bsky.app", "bsky.team", "test")


def site(url: str) -> str:
    """A website as compared: its host without "www.", and its path without the last slash."""
    parts = urlsplit(url.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.removeprefix("www.")
    return host + parts.path.rstrip("/")


def own_domain(identity: Identity) -> str:
    """The domain a Bluesky handle proves, "" for a provided one."""
    if identity.network != IdentityNetwork.BLUESKY:
        return ""
    handle = identity.handle.lstrip("@").lower()
    if "." not in handle or any(handle == d or handle.endswith("." + d) for d in PROVIDED):
        return ""
    return handle


def proof(a: Identity, b: Identity) -> str:
    """Why `a` and `b` are one person, "" when nothing proves it."""
    if a.contact_id == b.contact_id or a.workspace_id != b.workspace_id:
        return ""
    for one, other in ((a, b), (b, a)):
        domain = own_domain(one)
        if domain and other.network == IdentityNetwork.FEDIVERSE and site(other.website) == domain:
            return (f"{one.handle} is a Bluesky handle on {domain}, and {other.handle}'s "
                    f"verified website is {domain}")  # fmt: skip
    if a.website and site(a.website) and site(a.website) == site(b.website):
        return f"both {a.handle} and {b.handle} have the verified website {site(a.website)}"
    return ""


def suggest(identities: Iterable[Identity]) -> list[MergeSuggestion]:
    """Look for proof about these (new or refreshed) identities; store what is found once."""
    made = []
    for identity in identities:
        keys = [k for k in (own_domain(identity), site(identity.website)) if k]
        if not keys:
            continue
        host = keys[0].split("/")[0]
        others = Identity.objects.filter(workspace_id=identity.workspace_id).exclude(
            contact_id=identity.contact_id
        ).filter(Q(website__icontains=host) | Q(handle__iexact=host))  # fmt: skip
        for other in others[:20]:
            reason = proof(identity, other)
            if not reason:
                continue
            first, second = sorted((identity, other), key=lambda i: i.pk)
            found, created = MergeSuggestion.objects.get_or_create(
                first=first, second=second,
                defaults={"workspace_id": identity.workspace_id, "reason": reason[:300]},
            )  # fmt: skip
            if created:
                made.append(found)
    return made


def open_suggestions(workspace_id: int, limit: int = 200) -> list[MergeSuggestion]:
    """The newest `limit` open suggestions whose identities are still in two contacts."""
    rows = (
        MergeSuggestion.objects.filter(workspace_id=workspace_id, state=SuggestionState.OPEN)
        .exclude(first__contact_id=F("second__contact_id"))
        .select_related("first__contact", "second__contact")
        .order_by("-created_at", "-pk")
    )
    return list(rows[:limit])


def access_suggestion(member: Membership, suggestion_id: int) -> MergeSuggestion:
    found = MergeSuggestion.objects.filter(pk=suggestion_id, workspace=member.workspace).first()
    if found is None:
        raise Http404("No such suggestion.")
    return found


def do_decide(member: Membership, suggestion: MergeSuggestion, merge: bool) -> MergeSuggestion:
    """A person's click: merge the two contacts, or dismiss the suggestion for good."""
    check_role(member, actions.WORK_ROLE)
    with transaction.atomic():
        suggestion = MergeSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if suggestion.state != SuggestionState.OPEN:
            raise ValidationError({"suggestion": "This suggestion was already decided."})
        if merge:
            first, second = suggestion.first, suggestion.second
            if first.contact_id != second.contact_id:
                actions.do_merge(member, first.contact, [second.contact])
        suggestion.state = SuggestionState.MERGED if merge else SuggestionState.DISMISSED
        suggestion.decided_at, suggestion.decided_by = timezone.now(), member.user
        suggestion.save(update_fields=["state", "decided_at", "decided_by"])
    return suggestion
