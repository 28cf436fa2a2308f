"""What answering an interaction needs comes with it: the post's URI to reply to, its thread's
root, its language and the author's avatar; from the event stream and from the AppView."""

from __future__ import annotations

import base64

import httpx

from outlier.networks.base import Content, Interaction, InteractionKind
from outlier.networks.bluesky import BlueskyAdapter
from tests.bluesky.conftest import eventually
from tests.peers.bluesky import Account

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _with_avatar(account: Account) -> str:
    """Give `account` a profile with a picture; the picture's CID."""
    answer = httpx.post(
        f"{account.pds_url}/xrpc/com.atproto.repo.uploadBlob", content=PNG,
        headers={**account.headers(), "Content-Type": "image/png"}, timeout=30, trust_env=False,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    blob = answer.json()["blob"]
    account.xrpc("com.atproto.repo.putRecord", body={
        "repo": account.did, "collection": "app.bsky.actor.profile", "rkey": "self",
        "record": {"$type": "app.bsky.actor.profile", "displayName": "Someone", "avatar": blob},
    })  # fmt: skip
    return str(blob["ref"]["$link"])


def _conversation(
    channel: BlueskyAdapter, owner: Account, other: Account, *, appview: bool = False
) -> dict[str, str]:
    """`other` answers deep in the thread under the channel's post, quotes it and mentions
    the channel, in Portuguese. With an AppView, each post is answered once it is indexed
    (a reply indexed before its parent notifies nobody)."""
    published = channel.publish(Content(text="Where does the river start?"), "fields-1")
    ours = owner.record(published.remote_id)
    root = {"uri": ours["uri"], "cid": ours["cid"]}
    first = other.create("app.bsky.feed.post", {
        "text": "In the hills", "reply": {"root": root, "parent": root}})  # fmt: skip
    answer = channel.publish(Content(text="Which ones?", reply_to=first["uri"]), "fields-2")
    if appview:
        eventually(lambda: answer.remote_id in channel.engagement([answer.remote_id]),
                   "the channel's answer indexed")  # fmt: skip
    mine = owner.record(answer.remote_id)
    parent = {"uri": mine["uri"], "cid": mine["cid"]}
    text = f"Nas colinas, @{owner.handle}"
    at = text.index("@")
    return {
        "root": root["uri"],
        "reply": other.create("app.bsky.feed.post", {
            "text": "Nas colinas do norte", "langs": ["pt-BR", "en"],
            "reply": {"root": root, "parent": parent}})["uri"],
        "quote": other.create("app.bsky.feed.post", {
            "text": "Vejam", "langs": ["pt"],
            "embed": {"$type": "app.bsky.embed.record", "record": root}})["uri"],
        "mention": other.create("app.bsky.feed.post", {
            "text": text, "facets": [{
                "index": {"byteStart": len(text[:at].encode()), "byteEnd": len(text.encode())},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": owner.did}],
            }]})["uri"],
        "like": other.create("app.bsky.feed.like", {"subject": root})["uri"],
    }  # fmt: skip


def _check(found: dict[InteractionKind, Interaction], made: dict[str, str]) -> None:
    reply = found[InteractionKind.REPLY]
    assert reply.reply_ref == reply.remote_id == made["reply"]
    assert reply.thread_root == made["root"]  # the thread's first post, not the parent
    assert reply.language == "pt-BR"
    quote = found[InteractionKind.QUOTE]
    assert quote.reply_ref == made["quote"] and quote.language == "pt"
    assert quote.thread_root == ""  # it starts a thread of its own
    mention = found[InteractionKind.MENTION]
    assert mention.reply_ref == made["mention"] and mention.language == ""
    like = found[InteractionKind.LIKE]
    assert like.reply_ref == "" and like.thread_root == ""  # nothing to answer


def test_from_the_event_stream(adapter: BlueskyAdapter, alice: Account, bob: Account) -> None:
    cid = _with_avatar(bob)
    made = _conversation(adapter, alice, bob)

    items: list[Interaction] = []
    cursor = ""
    while True:
        page = adapter.interactions(cursor)
        items.extend(page.items)
        if not page.items:
            break
        cursor = page.cursor

    found = {item.kind: item for item in items if item.remote_id in made.values()}
    _check(found, made)
    avatar = found[InteractionKind.REPLY].author_avatar
    assert "/xrpc/com.atproto.sync.getBlob?" in avatar and f"cid={cid}" in avatar  # on its PDS
    picture = httpx.get(avatar.replace("localhost", "127.0.0.1"), timeout=30, trust_env=False)
    assert picture.status_code == 200 and picture.content == PNG


def test_from_the_appview(listening: BlueskyAdapter, ann: Account, ben: Account) -> None:
    _with_avatar(ben)
    made = _conversation(listening, ann, ben, appview=True)

    def arrived() -> dict[InteractionKind, Interaction] | None:
        page = listening.interactions("")
        found = {i.kind: i for i in page.items if i.remote_id in made.values()}
        return found if len(found) == 4 and found[InteractionKind.REPLY].author_avatar else None

    found = eventually(arrived, "the notifications, with the avatar")
    _check(found, made)
    assert found[InteractionKind.REPLY].author_avatar.startswith("http")
