"""The writes of network sources: an account on a network followed as a source, and keywords
also searched on a network, each read through one of the workspace's channels.

Contributors and above add them (`actions.MANAGE_ROLE`), as other sources. The channel must
be the workspace's and its network must read what is asked ("author_feed" for an account,
"search" for keywords); a channel that needs reconnecting is refused. Adding an account
resolves it at once through the channel (`find_author`): an account the network does not
know, or a channel that cannot read it, is a ValidationError on the form's field with the
network's reason, and nothing is stored. The new source is due at once: the worker reads it
(`network_polling`) and its health shows what came of it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from outlier.core.models import Membership, Workspace
from outlier.curation.models import Topic
from outlier.networks import registry
from outlier.networks.base import ErrorKind, PublishError
from outlier.publishing import content
from outlier.publishing.models import Channel, ChannelStatus
from outlier.sources import actions, keywords
from outlier.sources.models import Source, SourceKind

__all__ = ["channels_for_forms", "check_channel", "do_add_account", "do_add_keywords", "hashtags_of",
           "network_label"]  # fmt: skip

WHAT = {"author_feed": "read an account's posts", "search": "search posts"}


def network_label(network: str) -> str:
    try:
        return registry.get_adapter(network).label
    except ValueError:
        return network


def _capabilities(network: str) -> frozenset[str]:
    try:
        return registry.get_adapter(network).capabilities
    except ValueError:
        return frozenset()


def channels_for_forms(workspace: Workspace) -> tuple[list[Channel], list[Channel]]:
    """The channels that can search, and those that can read an account's posts."""
    channels = list(Channel.objects.filter(workspace=workspace).order_by("name", "pk"))
    return ([c for c in channels if "search" in _capabilities(c.network)],
            [c for c in channels if "author_feed" in _capabilities(c.network)])  # fmt: skip


def check_channel(member: Membership, channel_id: object, capability: str,
                  field: str = "channel") -> Channel:  # fmt: skip
    """The workspace's channel `channel_id` if its network can do `capability`; a
    ValidationError on `field` saying why not otherwise."""
    try:
        channel = Channel.objects.filter(pk=int(str(channel_id)),
                                         workspace=member.workspace).first()  # fmt: skip
    except ValueError:
        channel = None
    if channel is None:
        raise ValidationError({field: "Choose one of this workspace's channels."})
    if capability not in _capabilities(channel.network):
        raise ValidationError({field: f"{channel} cannot {WHAT.get(capability, capability)}."})
    if channel.status == ChannelStatus.NEEDS_RECONNECT:
        raise ValidationError({field: f"{channel} needs reconnecting before it can read."})
    return channel


def _check_room(member: Membership, field: str) -> None:
    if Source.objects.filter(workspace=member.workspace).count() >= actions.MAX_SOURCES:
        raise ValidationError({field: f"A workspace has at most {actions.MAX_SOURCES:,} sources."})


def do_add_account(member: Membership, topic: Topic, channel_id: object, handle: str,
                   name: str = "") -> Source:  # fmt: skip
    """Follow an account's own posts on a network, read through `channel_id`."""
    actions.check_manage(member, topic)
    channel = check_channel(member, channel_id, "author_feed")
    if not isinstance(handle, str) or not handle.strip():
        raise ValidationError({"account": "Give the account's handle: @alice.bsky.social, "
                                          "@alice@mastodon.social."})  # fmt: skip
    _check_room(member, "account")
    adapter = content.adapter_for(channel)
    try:
        found = adapter.find_author(handle.strip())  # type: ignore[attr-defined]
    except PublishError as exc:
        said = str(exc)
        if exc.kind == ErrorKind.AUTH:
            said = f"{channel} could not read it: {said} Reconnect the channel."
        elif exc.kind in (ErrorKind.TRANSIENT, ErrorKind.RATE_LIMITED):
            said = f"{channel} could not read it now: {said} Try again later."
        raise ValidationError({"account": said[:1000]}) from exc
    finally:
        content.save_changes(channel, adapter)
    if Source.objects.filter(topic=topic, kind=SourceKind.ACCOUNT, channel=channel,
                             account_ref=found.ref[:300]).exists():  # fmt: skip
        raise ValidationError({"account": "The topic already follows this account."})
    label = adapter.label
    handle = found.person.handle or handle.strip()
    if not handle.startswith("@"):
        handle = f"@{handle}"
    return Source.objects.create(
        workspace=member.workspace, topic=topic, kind=SourceKind.ACCOUNT, channel=channel,
        account=handle[:300], account_ref=found.ref[:300], next_at=timezone.now(),
        name=(" ".join(name.split()) or f"{handle} on {label}")[:300], added_by=member.user,
    )  # fmt: skip


def hashtags_of(raw: str | Iterable[str], words: list[str]) -> list[str]:
    """Which of the source's keywords were written as #hashtags."""
    given = keywords.split(raw) if isinstance(raw, str) else [str(w) for w in raw]
    tagged = {
        " ".join(w.split()).lstrip("#").casefold() for w in given if w.strip().startswith("#")
    }
    return [w for w in words if w.casefold() in tagged]


def do_add_keywords(member: Membership, topic: Topic, raw: str | Iterable[str],
                    channel_id: object = None, name: str = "") -> Source:  # fmt: skip
    """A keyword source (`actions.do_add_keywords`); with a channel, its keywords are also
    searched on that channel's network (a #tag as a hashtag)."""
    actions.check_manage(member, topic)
    channel = None
    if channel_id not in (None, ""):
        channel = check_channel(member, channel_id, "search")
    with transaction.atomic():
        source = actions.do_add_keywords(member, topic, raw, name)
        source.hashtags = hashtags_of(raw, list(source.keywords))
        fields = ["hashtags"]
        if channel is not None:
            source.channel, source.next_at = channel, timezone.now()
            fields += ["channel", "next_at"]
        source.save(update_fields=fields)
    return source
