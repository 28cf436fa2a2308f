"""What a topic's reply, like or boost is aimed at: a post's id and the actor who wrote it.

A topic answers (or likes, or boosts) someone else's post: most often a reply its inbox
stored, whose author is already known (the Interaction row's actor, with its inboxes), so
nothing is fetched. Any other address is fetched, signed by the topic, through the safe HTTP
client (`networks.activitypub.remote`): the post must be on its author's host, and its author
is fetched and remembered like any actor. A post that is gone (404, 410, a Tombstone) cannot
be answered: PERMANENT, saying so. One of the topic's own scoops or notes has no remote author
(`author` None): it can be answered in its own thread, not liked or boosted.

Refer to actors by their id (an http(s) URL), never by a WebFinger handle: handles assume
https, and a server reached over plain http (tests, intranets) would not resolve.
"""

from __future__ import annotations

from dataclasses import dataclass

from outlier.curation.models import Topic
from outlier.federation import actions, actors, addresses, queries
from outlier.federation.documents import Mentioned, web_address
from outlier.federation.models import RemoteActor
from outlier.networks.activitypub import remote
from outlier.networks.activitypub.vocabulary import first_id, same_origin
from outlier.networks.base import ErrorKind, PublishError

__all__ = ["Target", "addressed", "find"]

GONE_TYPES = {"Tombstone"}


@dataclass(frozen=True)
class Target:
    uri: str  # the post's id
    author: RemoteActor | None  # None: one of the topic's own scoops or notes


def _gone(uri: str, role: str) -> PublishError:
    return PublishError(
        f"The post {role} no longer exists ({uri}): it was deleted, or its server no longer "
        "has it.",
        ErrorKind.PERMANENT,
    )


def _author(actor_uri: str, topic: Topic) -> RemoteActor:
    """The actor at `actor_uri`, fetched and remembered (with its icon)."""
    fetched = actors.fetch(actor_uri, signer=actions.fetch_signer(topic.pk))
    if fetched.doc.id != actor_uri.split("#", 1)[0]:
        raise remote.RemoteError(f"{actor_uri} describes another actor ({fetched.doc.id})")
    return actors.remember(fetched)


def find(uri: str, topic: Topic, role: str) -> Target:
    """The post at `uri` and its author; `role` names it in messages ("this replies to")."""
    uri = uri.strip()
    if not web_address(uri):
        raise PublishError(f"“{uri}” is not the address of a fediverse post.",
                           ErrorKind.PERMANENT)  # fmt: skip
    if addresses.scoop_id_from_uri(uri) is not None or addresses.note_token_from_uri(uri):
        subject = queries.interaction_subject(uri)
        if subject is None:
            raise _gone(uri, role)
        if subject.note is not None:
            return Target(subject.note.object_uri, None)
        assert subject.scoop is not None
        live, number = queries.current_object(subject.scoop.pk)  # its object, not its page
        return Target(live.object_uri if live else addresses.object_uri(subject.scoop.pk, number),
                      None)  # fmt: skip
    known = queries.reply_author(uri)
    if known is not None:
        return Target(uri, known)
    try:
        doc = remote.fetch_document(uri, signer=actions.fetch_signer(topic.pk))
    except remote.ObjectGone as exc:
        raise _gone(uri, role) from exc
    except remote.ForeignObject as exc:  # will not change by asking again
        raise PublishError(f"The post {role} cannot be trusted: {exc}.",
                           ErrorKind.PERMANENT) from exc  # fmt: skip
    except remote.RemoteError as exc:
        raise PublishError(f"The post {role} could not be read ({exc}); trying again later.",
                           ErrorKind.TRANSIENT) from exc  # fmt: skip
    kind = doc.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if any(isinstance(k, str) and k in GONE_TYPES for k in kinds):
        raise _gone(uri, role)
    author = first_id(doc.get("attributedTo"))
    if not author or not same_origin(author, str(doc["id"])):
        raise PublishError(f"The post {role} ({uri}) names no author on its own server.",
                           ErrorKind.PERMANENT)  # fmt: skip
    try:
        return Target(str(doc["id"]), _author(author, topic))
    except remote.ObjectGone as exc:
        raise PublishError(f"The author of the post {role} is gone ({author}).",
                           ErrorKind.PERMANENT) from exc  # fmt: skip
    except remote.RemoteError as exc:
        raise PublishError(f"The author of the post {role} could not be read ({exc}); trying "
                           "again later.", ErrorKind.TRANSIENT) from exc  # fmt: skip


def addressed(actor: RemoteActor) -> Mentioned:
    """The author as a Note mentions them: by id, with the inbox it goes to, and the handle
    written in the text ("user@host"; "" when the actor has no username)."""
    handle = f"{actor.preferred_username}@{actor.host}" if actor.preferred_username else ""
    return Mentioned(actor=actor.uri, url=actor.url or actor.uri,
                     inbox=actor.shared_inbox or actor.inbox, handle=handle)  # fmt: skip
