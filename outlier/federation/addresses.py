"""The public URIs of topics as actors and of scoops as objects, all on settings.BASE_URL.

Actors and objects are named by id, not slug: a renamed topic or retitled scoop keeps its
fediverse identity (followers and replies stay attached).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve, reverse


def absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def host() -> str:
    """The host (and port, when not the default) in acct:slug@host handles."""
    return urlsplit(settings.BASE_URL).netloc.lower()


def actor_uri(topic_id: int) -> str:
    return absolute(reverse("federation:actor", args=[topic_id]))


def key_id(topic_id: int) -> str:
    return actor_uri(topic_id) + "#main-key"


def inbox_uri(topic_id: int) -> str:
    return absolute(reverse("federation:inbox", args=[topic_id]))


def outbox_uri(topic_id: int) -> str:
    return absolute(reverse("federation:outbox", args=[topic_id]))


def followers_uri(topic_id: int) -> str:
    return absolute(reverse("federation:followers", args=[topic_id]))


def shared_inbox_uri() -> str:
    return absolute(reverse("federation:shared_inbox"))


def instance_actor_uri() -> str:
    """The instance actor: Outlier itself, signing fetches no topic is the natural signer of."""
    return absolute(reverse("federation:instance_actor"))


def instance_key_id() -> str:
    return instance_actor_uri() + "#main-key"


def instance_outbox_uri() -> str:
    return absolute(reverse("federation:instance_outbox"))


def object_uri(scoop_id: int, number: int = 1) -> str:
    """The object of a scoop's `number`th publication (each publication is a new object)."""
    if number <= 1:
        return absolute(reverse("federation:object", args=[scoop_id]))
    return absolute(reverse("federation:object_version", args=[scoop_id, number]))


def note_uri(token: str) -> str:
    """A post sent on a topic's fediverse channel, as a Note (see PostedNote)."""
    return absolute(reverse("federation:note", args=[token]))


def activity_uri(token: str) -> str:
    return absolute(reverse("federation:activity", args=[token]))


def _local_match(uri: str) -> tuple[str, dict[str, object]] | None:
    """The URL name and arguments of one of our own absolute URIs, or None."""
    base = urlsplit(settings.BASE_URL)
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()):
        return None
    path = parts.path
    prefix = base.path.rstrip("/")
    if prefix:
        if not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix) :]
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name, dict(match.kwargs)


def topic_id_from_actor_uri(uri: str) -> int | None:
    found = _local_match(uri.split("#", 1)[0])
    if found and found[0] == "federation:actor":
        return int(str(found[1]["topic_id"]))
    return None


def topic_slug_from_page_url(uri: str) -> str | None:
    found = _local_match(uri)
    if found and found[0] == "site:topic":
        return str(found[1]["topic"])
    return None


def scoop_id_from_uri(uri: str) -> int | None:
    """The scoop an object URI or a public scoop page URL stands for."""
    found = _local_match(uri.split("#", 1)[0])
    if found is None:
        return None
    name, kwargs = found
    if name in ("federation:object", "federation:object_version"):
        return int(str(kwargs["scoop_id"]))
    if name == "site:scoop":
        return int(str(kwargs["pk"]))
    return None


def note_token_from_uri(uri: str) -> str | None:
    """The token of the posted Note an object URI stands for (its id is also its URL)."""
    found = _local_match(uri.split("#", 1)[0])
    if found and found[0] == "federation:note":
        return str(found[1]["token"])
    return None
