"""A topic's fediverse channel: posts composed in the publishing app go out as Notes of the
topic's ActivityPub actor, to everyone who follows the topic from Mastodon and elsewhere.

The network "fediverse" is registered by dotted path (settings.NETWORK_ADAPTERS, read by
`outlier.networks.registry`): `networks` sits below federation and cannot import it, and
publishing only ever talks to adapters. The adapter follows `outlier.networks.base.Adapter`.

Config:

- `topic`: the short name (slug) of the topic the channel speaks as; "@slug" and
  "@slug@host" are read too. It must be a public topic of the channel's workspace.
- `workspace_id`: the channel's workspace, put there by publishing (Channel.adapter_config,
  and do_create_channel before the channel exists), never by the user: it overrides any
  value of that name in the settings or credentials.

Publishing a post records it as a `PostedNote` of the topic and queues its Create for every
follower's inbox (each server's shared inbox once) in the same transaction; federation's
delivery worker (`federation.dispatch.run_due`) then sends them, signed, retrying each inbox
on its own. The delivery's remote id and URL are the Note's id. The Note's name is derived
from the delivery's idempotency key (`actions.note_token`), so a retried delivery finds the
Note it already made instead of making a second one, and `lookup` answers from the database:
the Note exists here or it does not. `delete` marks the Note deleted (its id answers 410) and
sends Delete to the followers.

"@user@server" in the text becomes a Mention of the actor WebFinger names (`mentions`; the
Note goes to that actor's inbox too) and "#tag" a Hashtag; a mention that does not resolve
stays plain text. The link arrives tracked (`/l/<code>`, made by publishing for every
channel: `publishing.content.content_for`), in the text and as the Note's Link attachment.

Answering (capability "reply"): `Content.reply_to` is the id of the post answered, most often
a reply the topic's inbox stored (its Interaction's `reply_ref`). `targets.find` tells who
wrote it (no fetch for a stored reply; anything else is fetched through the safe client):
the Note then has `inReplyTo`, mentions the author (tag and cc, so their server notifies
them, even when the text does not name them) and goes to the author's inbox as well as the
followers'. A reply to a post that is gone fails PERMANENT, saying so. `like` and `repost`
send the topic's Like or Announce of such a post to its author (`actions.do_engage`; an
Announce to the followers too); the activity's id comes from the action's key, so a retried
action finds what it recorded and sends nothing twice.

Reading back needs no network call: the topic's inbox (`federation.inbox`) stores the likes,
boosts and replies its scoops and posted notes receive, and who follows it ("pushed": the
inbox app reads them every few seconds). `engagement` counts them per posted note;
`interactions` lists them, with the follows, for the inbox app (the cursor is described at
`queries.heard_since`): a reply comes with its id to answer it by (`reply_ref`), the first
post of its thread (`thread_root`, `queries.thread_root`: the scoop or note the conversation
started under), its language and its author's picture. `follower_count` counts the followers.

Who follows the topic (capability "follower_list"): `followers` lists the topic's `Follower`
rows, newest first, `FOLLOWERS_PAGE` a page (the cursor is the last row's id), each as the
actor document Outlier keeps (its id, @name@host, name, icon, page); `following` is empty (a
topic follows nobody); `profile` answers from that kept copy. A topic cannot search.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from django.db import DatabaseError

from outlier.curation.models import Topic
from outlier.federation import actions, addresses, documents, mentions, queries, targets
from outlier.federation.models import InteractionKind, PostedNote, PublicationState, RemoteActor
from outlier.networks.base import (
    Content,
    Engagement,
    ErrorKind,
    Field,
    Found,
    Interaction,
    InteractionPage,
    Lookup,
    PeoplePage,
    Person,
    Problem,
    Published,
    PublishError,
    RateLimit,
    Rules,
)
from outlier.networks.base import InteractionKind as SeenKind
from outlier.networks.counting import postable_text
from outlier.networks.mastodon.text import html_to_text
from outlier.networks.rules import RULES

__all__ = ["TopicChannelAdapter"]

WORKSPACE_KEY = "workspace_id"
FOLLOWERS_PAGE = 500  # rows of the database, not requests to a network


def topic_slug(value: Any) -> str:
    """The slug in what a person typed: "rivers", "@rivers" or "@rivers@example.org"."""
    if not isinstance(value, str):
        return ""
    handle = value.strip().removeprefix("acct:").lstrip("@")
    return handle.split("@", 1)[0].strip()


class TopicChannelAdapter:
    """Publishes as a public topic's ActivityPub actor, to the topic's followers."""

    name: ClassVar[str] = "fediverse"
    label: ClassVar[str] = "Fediverse"
    rules: ClassVar[Rules] = RULES["fediverse"]
    fields: ClassVar[tuple[Field, ...]] = (
        Field("topic", "Topic",
              help="The short name of one of this workspace's public topics, as in its address "
                   "(@short-name@this site): the channel posts as that topic, to everyone who "
                   "follows it from Mastodon or another fediverse server"),
    )  # fmt: skip
    # Everything is read back from federation's own rows (what the topic's inbox stored and
    # who follows it): no network call, and it arrives by push ("pushed").
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"delete", "engagement", "interactions", "followers", "reply", "like", "repost", "pushed",
         "follower_list"}
    )  # fmt: skip
    rate_limit: ClassVar[RateLimit | None] = None  # the followers' servers are not one budget

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def config_changes(self) -> dict[str, Any]:
        return {}

    def channel_rules(self) -> Rules:
        return RULES[self.name]

    # -- The topic ---------------------------------------------------------------------------

    @property
    def slug(self) -> str:
        return topic_slug(self.config.get("topic"))

    @property
    def workspace_id(self) -> int | None:
        value = self.config.get(WORKSPACE_KEY)
        if isinstance(value, bool):
            return None
        try:
            return int(value) if value is not None and str(value).strip() else None
        except (TypeError, ValueError):
            return None

    def _topic(self) -> tuple[Topic | None, list[Problem]]:
        slug = self.slug
        if not slug:
            return None, [Problem("topic", "Enter the short name of the topic this channel "
                                           "posts as, one of this workspace's public topics.")]  # fmt: skip
        workspace_id = self.workspace_id
        if workspace_id is None:
            return None, [Problem("topic", "The channel's workspace is not known, so its topic "
                                           "cannot be checked.")]  # fmt: skip
        topics = Topic.objects.filter(workspace_id=workspace_id)
        topic = topics.filter(slug=slug).first() or topics.filter(slug__iexact=slug).first()
        if topic is None:
            # Said the same way whether or not another workspace has such a topic.
            return None, [Problem("topic", f"This workspace has no topic “{slug}”: enter the "
                                           "short name of one of its public topics.")]  # fmt: skip
        if not topic.is_public:
            return topic, [Problem("topic", f"“{topic.name}” is a private topic: only a public "
                                            "topic can be followed from the fediverse. Make it "
                                            "public, or choose another topic.")]  # fmt: skip
        return topic, []

    def check_config(self) -> list[Problem]:
        return self._topic()[1]

    def _require_topic(self) -> Topic:
        topic, problems = self._topic()
        if problems or topic is None:
            raise PublishError(
                "The fediverse channel is not set up: " + " ".join(p.message for p in problems),
                ErrorKind.PERMANENT,
            )
        return topic

    def test(self) -> None:
        topic = self._require_topic()
        actions.ensure_actor_key(topic.pk)  # the key that signs its deliveries

    # -- Publishing --------------------------------------------------------------------------

    @staticmethod
    def _published(note: PostedNote, message: str = "") -> Published:
        return Published(remote_id=note.object_uri, url=note.object_uri, note=message)

    def publish(self, content: Content, idempotency_key: str) -> Published:
        topic = self._require_topic()
        token = actions.note_token(idempotency_key)
        known = queries.posted_note(token)
        if known is not None:
            return self._already(known)
        text = postable_text(content, self.channel_rules())
        # Resolved before anything is recorded (both may go on the network); a mention that
        # does not resolve stays plain text, a post answered that is gone fails the reply.
        reply_to, author = _answering(content.reply_to, topic)
        handles = [h.casefold() for h in documents.mentions_in(text)]
        mentioned: dict[str, documents.Mentioned] = {}
        if author is not None and author.handle.casefold() in handles:  # known: not looked up
            mentioned[author.handle.casefold()] = author
        mentioned |= mentions.resolve_all([h for h in handles if h not in mentioned], topic)
        try:
            note, created, inboxes = actions.do_post_note(
                topic, token, text,
                link=content.link, link_title=content.title, images=content.images,
                content_warning=content.content_warning, reply_to=reply_to,
                language=content.language, mentions=mentioned, reply_author=author,
            )  # fmt: skip
        except DatabaseError as exc:  # the transaction may or may not have committed
            raise PublishError(f"Outlier could not record the note: {exc}", ErrorKind.TRANSIENT,
                               unknown_outcome=True) from exc  # fmt: skip
        if not created:
            return self._already(note)
        handle = f"@{topic.slug}@{addresses.host()}"
        if inboxes:
            servers = "server" if inboxes == 1 else "servers"
            message = f"Going to the followers of {handle} on {inboxes} {servers}."
        else:
            message = f"Nobody follows {handle} yet: the note is in its outbox only."
        return self._published(note, message)

    def _already(self, note: PostedNote) -> Published:
        if note.state == PublicationState.DELETED:
            raise PublishError(
                "This delivery's note was deleted from the fediverse, and servers refuse a note "
                "again under a deleted id: duplicate the post to send it again.",
                ErrorKind.PERMANENT,
            )
        return self._published(note, "Already published as this note: not sent again.")

    def lookup(self, idempotency_key: str, since: datetime) -> Lookup:
        """The Note lives in Outlier's own database: it was recorded, or it was not."""
        note = queries.posted_note(actions.note_token(idempotency_key))
        if note is None:
            return Lookup(Found.NO)
        return Lookup(Found.YES, self._published(note))

    # -- Liking and boosting ------------------------------------------------------------------

    def like(self, ref: str, key: str) -> str:
        return self._engage("Like", ref, key)

    def repost(self, ref: str, key: str) -> str:
        return self._engage("Announce", ref, key)

    def _engage(self, kind: str, ref: str, key: str) -> str:
        """The topic's Like or Announce of the post `ref`, recorded once per `key` and queued
        for its author's inbox; its id."""
        topic = self._require_topic()
        verb = "like" if kind == "Like" else "boost"
        target = targets.find(ref, topic, f"to {verb}")
        if target.author is None:
            raise PublishError(f"This is a scoop or a note of one of this Outlier's own topics: "
                               f"a topic does not {verb} its own posts.",
                               ErrorKind.PERMANENT)  # fmt: skip
        try:
            uri, _ = actions.do_engage(topic, kind, key, target.uri, target.author)
        except DatabaseError as exc:  # recorded or not, trying again with the key is safe
            raise PublishError(f"Outlier could not record the {verb}: {exc}",
                               ErrorKind.TRANSIENT) from exc  # fmt: skip
        return uri

    # -- Listening ---------------------------------------------------------------------------

    def delete(self, remote_id: str) -> None:
        """Delete a Note this channel's workspace posted; one already gone is not an error."""
        note = queries.posted_note_by_uri(remote_id)
        if note is None:
            return
        if note.topic.workspace_id != self.workspace_id:
            raise PublishError(f"{remote_id} is not a note of this channel's workspace.",
                               ErrorKind.PERMANENT)  # fmt: skip
        actions.do_delete_note(note.pk)

    def follower_count(self) -> int:
        return queries.follower_count(self._require_topic().pk)

    def followers(self, cursor: str = "") -> PeoplePage:
        """One page of the topic's followers, newest first."""
        topic = self._require_topic()
        before: int | None = None
        if cursor:
            if not cursor.isdigit() or len(cursor) > 18:
                raise PublishError(f"“{cursor[:80]}” is not a page of the topic's followers: "
                                   "start again from the first page.", ErrorKind.PERMANENT)  # fmt: skip
            before = int(cursor)
        rows = queries.followers_page(topic.pk, before, FOLLOWERS_PAGE)
        more = str(rows[-1].pk) if len(rows) == FOLLOWERS_PAGE else ""
        return PeoplePage(people=tuple(_person(row.actor) for row in rows), cursor=more)

    def following(self, cursor: str = "") -> PeoplePage:
        """A topic follows nobody."""
        self._require_topic()
        return PeoplePage(people=())

    def profile(self, remote_id: str) -> Person:
        """An actor as Outlier last fetched its document (when it followed, liked, replied)."""
        self._require_topic()
        actor = queries.remote_actor(remote_id.strip())
        if actor is None:
            raise PublishError(f"Outlier has no copy of the actor {remote_id[:300]}: it has not "
                               "followed or answered this topic.", ErrorKind.PERMANENT)  # fmt: skip
        return _person(actor)

    def engagement(self, remote_ids: Sequence[str]) -> dict[str, Engagement]:
        """Likes, boosts and replies the topic's inbox stored for each live posted note."""
        topic = self._require_topic()
        return {
            uri: Engagement(likes=c["like"], reposts=c["announce"], replies=c["reply"])
            for uri, c in queries.note_engagement(topic.pk, remote_ids).items()
        }

    def interactions(self, cursor: str = "") -> InteractionPage:
        """Likes, boosts and replies to the topic's scoops and posted notes, and follows of
        the topic, as its inbox stored them (see `queries.heard_since` for the cursor)."""
        topic = self._require_topic()
        heard, next_cursor = queries.heard_since(topic.pk, cursor)
        roots: dict[str, str] = {}  # subject: its thread's first post, looked up once a page
        items = []
        for h in heard:
            if h.kind == InteractionKind.REPLY and h.subject not in roots:
                roots[h.subject] = queries.thread_root(h.subject)
            items.append(_interaction(h, roots.get(h.subject, "")))
        return InteractionPage(items=tuple(items), cursor=next_cursor)


def _answering(reply_to: str, topic: Topic) -> tuple[str, documents.Mentioned | None]:
    """The id of the post a reply answers ("" for no reply) and its author as the Note
    mentions them (None for one of the topic's own scoops or notes); PublishError when that
    post cannot be answered."""
    if not reply_to.strip():
        return "", None
    target = targets.find(reply_to, topic, "this reply answers")
    return target.uri, targets.addressed(target.author) if target.author is not None else None


_KINDS = {
    InteractionKind.LIKE.value: SeenKind.LIKE,
    InteractionKind.ANNOUNCE.value: SeenKind.REPOST,
    InteractionKind.REPLY.value: SeenKind.REPLY,
    "follow": SeenKind.FOLLOW,
}


def _handle(actor: RemoteActor) -> str:
    return f"@{actor.preferred_username}@{actor.host}" if actor.preferred_username else actor.uri


def _person(actor: RemoteActor) -> Person:
    return Person(remote_id=actor.uri, handle=_handle(actor), name=actor.name,
                  avatar=actor.icon, url=actor.url or actor.uri)  # fmt: skip


def _interaction(heard: queries.Heard, thread_root: str = "") -> Interaction:
    """What the inbox app stores; a reply is answered, liked and boosted by its own id, and
    grouped with the others under the first post of its thread (`thread_root`)."""
    actor = heard.actor
    reply = heard.kind == InteractionKind.REPLY
    if heard.kind == "follow":
        url = actor.url or actor.uri
    elif reply:
        url = heard.url or heard.uri
    else:
        url = heard.subject
    return Interaction(
        kind=_KINDS[heard.kind],
        remote_id=heard.uri,
        author_id=actor.uri,
        author_handle=_handle(actor),
        created_at=heard.at,  # when the topic's inbox took it (a sender's own date is its say)
        author_name=actor.name,
        author_url=actor.url or actor.uri,
        text=html_to_text(heard.content_html),
        url=url,
        subject_id=heard.subject,
        author_avatar=actor.icon,
        language=heard.language if reply else "",
        reply_ref=heard.uri if reply else "",
        thread_root=thread_root if reply else "",
    )
