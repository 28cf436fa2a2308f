"""Who sent an inbox request: the signature must verify with a key that the activity's own
actor lists, fetched from the actor's own host. Nothing is stored about an unknown actor
unless it all holds; a known actor's document (its picture too), once fetched again, is kept
up to date."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from outlier.federation import actors
from outlier.federation.models import RemoteActor, RemoteKey
from outlier.networks.activitypub import remote
from outlier.networks.activitypub.http_signatures import (
    SignatureError,
    parse_signature,
    verify_signature,
)
from outlier.networks.activitypub.vocabulary import first_id, same_origin

logger = logging.getLogger(__name__)

# A cached key that fails is fetched again (the actor may have rotated it), but not more often
# than this per actor, so forged requests cannot make us hammer a server: the attempt is
# recorded before the fetch, whatever the signature turns out to be.
REFETCH_AFTER = timedelta(seconds=60)


class NotAuthentic(Exception):
    """The request must be answered 401; `str()` says why."""


class GoneActor(Exception):
    """A Delete of an actor we cannot check because its key is gone and was never cached:
    there is nothing of it here to delete, so the request is acknowledged and ignored."""


def target_uri(request: HttpRequest) -> str:
    """The absolute URI the sender signed: our public origin plus the request's path."""
    base = urlsplit(settings.BASE_URL)
    return f"{base.scheme}://{base.netloc}{request.get_full_path()}"


def _is_self_delete(activity: dict[str, Any], actor_id: str) -> bool:
    return activity.get("type") == "Delete" and first_id(activity.get("object")) == actor_id


def authenticate(
    request: HttpRequest,
    body: bytes,
    activity: dict[str, Any],
    *,
    signer: remote.Signer | None = None,
    now: datetime | None = None,
) -> RemoteActor:
    """The verified sender of `activity`, stored or refreshed; raises NotAuthentic or GoneActor."""
    now = now or timezone.now()
    try:
        signed = parse_signature(
            request.method or "POST", target_uri(request), request.headers, body, now=now
        )
    except SignatureError as exc:
        raise NotAuthentic(str(exc)) from exc
    actor_id = first_id(activity.get("actor"))
    if not actor_id:
        raise NotAuthentic("The activity names no actor.")
    if not same_origin(signed.key_id, actor_id):
        raise NotAuthentic("The signing key is not on the actor's host.")

    cached = RemoteKey.objects.select_related("actor").filter(key_id=signed.key_id).first()
    if cached is not None:
        if cached.actor.uri != actor_id:
            raise NotAuthentic("The signing key belongs to another actor.")
        try:
            verify_signature(signed, cached.public_key_pem)
            return cached.actor
        except SignatureError as exc:
            if _is_self_delete(activity, actor_id) or not _claim_refetch(cached.actor, now):
                raise NotAuthentic(str(exc)) from exc

    try:
        owner, key = actors.fetch_key_owner(signed.key_id, signer=signer)
    except remote.ObjectGone as exc:
        if _is_self_delete(activity, actor_id):
            raise GoneActor(actor_id) from exc
        raise NotAuthentic(f"The signing key could not be fetched: {exc}") from exc
    except remote.RemoteError as exc:
        raise NotAuthentic(f"The signing key could not be fetched: {exc}") from exc
    if owner.doc.id != actor_id:
        raise NotAuthentic("The signing key belongs to another actor.")
    if cached is not None:
        # The actor's own document, from its own host: remembered whatever the signature
        # turns out to be, so a rotated key is known from now on.
        actors.remember(owner, now)
    try:
        verify_signature(signed, key.pem)
    except SignatureError as exc:
        raise NotAuthentic(str(exc)) from exc
    logger.debug("Verified %s signature of %s", signed.scheme, actor_id)
    return actors.remember(owner, now)


def _claim_refetch(actor: RemoteActor, now: datetime) -> bool:
    """Whether this request may fetch the actor's document again. The attempt is recorded
    before the fetch, by one conditional update, so however many forged requests arrive (at
    once or one after another) only one fetch per actor goes out per REFETCH_AFTER."""
    return bool(
        RemoteActor.objects.filter(pk=actor.pk, fetched_at__lte=now - REFETCH_AFTER).update(
            fetched_at=now
        )
    )
