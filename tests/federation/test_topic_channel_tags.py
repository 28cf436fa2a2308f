"""Hashtags and mentions in a post sent on a topic's fediverse channel.

"#tag" becomes a Hashtag (its href the topic's tag page when the public site has one, else the
topic's page); "@user@server" becomes a Mention of the actor the server's WebFinger names, and
the Note goes to that actor's inbox too, follower or not. A mention that does not resolve stays
plain text. Checked against the Fedify peer: it receives the Note with the Mention and parses
it as one."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from outlier.curation.models import Tag
from outlier.federation import actions
from outlier.federation.documents import Mentioned, hashtags_in, mentions_in, text_html
from outlier.federation.models import Delivery as ActivityDelivery
from outlier.federation.models import PostedNote
from outlier.networks.activitypub.vocabulary import PUBLIC
from outlier.publishing.models import Delivery
from tests.conftest import Team
from tests.federation.conftest import Federated, fediverse_channel, post_now, send_posts
from tests.peers.fedify import FedifyPeer, free_port


def test_mentions_and_hashtags_are_found_where_people_write_them() -> None:
    text = (
        "Hi @alice@example.org and @Bob@social.example:8443, (@carol@x.example.net).\n"
        "See https://news.example/a#frag and https://news.example/@dave@nope.example "
        "#Rivers #2024 #rivers #zoë_2 mail me at erin@example.org, x@frank@example.org"
    )
    assert mentions_in(text) == [
        "alice@example.org",
        "Bob@social.example:8443",
        "carol@x.example.net",
    ]
    assert hashtags_in(text) == ["Rivers", "zoë_2"]
    html = text_html(
        "@alice@example.org, @bob@example.org & #Rivers <b>",
        mentions={"alice@example.org": Mentioned("https://example.org/u/alice", "https://example.org/@alice")},
        hashtags={"rivers": "https://outlier.example/t/rivers/tag/rivers/"},
    )  # fmt: skip
    assert html == (
        '<p><a href="https://example.org/@alice" rel="nofollow noopener ugc">@alice@example.org</a>'
        ", @bob@example.org &amp; "
        '<a href="https://outlier.example/t/rivers/tag/rivers/" rel="nofollow noopener ugc">'
        "#Rivers</a> &lt;b&gt;</p>"
    )


def test_a_mentioned_account_receives_the_note_with_its_mention_and_hashtags(
    federated: Federated, peer: FedifyPeer, team: Team, outlier: str
) -> None:
    floods = Tag.objects.create(workspace=team.workspace, name="Floods", slug="floods")
    federated.scoop(title="The flood").tags.add(floods)
    federated.deliver()  # nobody follows the topic: the mention alone brings the note
    host = urlsplit(peer.origin).netloc
    nobody = f"@nobody@{host}"  # the peer has no such account
    unreachable = f"@carol@127.0.0.1:{free_port()}"  # no server there
    channel = fediverse_channel(team)
    post = post_now(
        team, channel,
        f"Hello @alice@{host}, {nobody} and {unreachable}: the #Floods are here. #Weather",
    )  # fmt: skip

    assert send_posts() == 1
    note = PostedNote.objects.get()
    assert Delivery.objects.get(post=post).remote_id == note.object_uri
    create = ActivityDelivery.objects.get(activity__type="Create")
    assert create.inbox == f"{peer.origin}/inbox"  # alice's server's shared inbox
    assert federated.deliver() == 1

    (received,) = [p["body"] for p in peer.received("Create")]
    obj = received["object"]
    alice = peer.actor("alice")
    assert obj["id"] == note.object_uri
    assert PUBLIC in obj["to"] and alice in obj["cc"] and alice in received["cc"]
    tag_page = f"{outlier}/t/rivers/tag/floods/"
    assert obj["tag"] == [
        {"type": "Mention", "href": alice, "name": f"@alice@{host}"},
        {"type": "Hashtag", "href": tag_page, "name": "#Floods"},
        {"type": "Hashtag", "href": f"{outlier}/t/rivers/", "name": "#Weather"},
    ]
    assert {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"} in received["@context"]
    rel = 'rel="nofollow noopener ugc"'
    assert f'<a href="{alice}" {rel}>@alice@{host}</a>' in obj["content"]
    assert f'<a href="{tag_page}" {rel}>#Floods</a>' in obj["content"]
    assert f"{nobody} and {unreachable}:" in obj["content"]  # plain text
    assert Client().get(urlsplit(tag_page).path).status_code == 200

    # Fedify read the Mention (and the hashtags) as such.
    event = peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Create"], what="the Create event"
    )[0]
    tags = event["json"]["object"]["tag"]
    tags = tags if isinstance(tags, list) else [tags]
    assert {"type": "Mention", "href": alice, "name": f"@alice@{host}"} in tags
    assert {t.get("name") for t in tags if t.get("type") == "Hashtag"} == {"#Floods", "#Weather"}

    # Deleting the note tells the mentioned account too.
    peer.reset()
    assert actions.do_delete_note(note.pk)
    assert federated.deliver() == 1
    (deletion,) = [p["body"] for p in peer.received("Delete")]
    assert deletion["object"]["id"] == note.object_uri


def test_a_mention_of_someone_who_also_follows_goes_to_one_inbox(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    host = urlsplit(peer.origin).netloc
    post_now(team, fediverse_channel(team), f"@alice@{host} @bob@{host} thanks for following")
    assert send_posts() == 1
    assert [d.inbox for d in ActivityDelivery.objects.filter(activity__type="Create")] == [
        f"{peer.origin}/inbox"
    ]
    assert following.deliver() == 1
    (received,) = [p["body"] for p in peer.received("Create")]
    assert [t["href"] for t in received["object"]["tag"]] == [
        peer.actor("alice"),
        peer.actor("bob"),
    ]


def test_a_mention_of_a_topic_here_needs_no_lookup_and_no_delivery(
    federated: Federated, team: Team, outlier: str
) -> None:
    from tests.conftest import make_topic

    lakes = make_topic(team.workspace, name="Lakes", slug="lakes")
    here = urlsplit(outlier).netloc
    post_now(team, fediverse_channel(team), f"Ask @lakes@{here} and @ponds@{here}.")
    assert send_posts() == 1
    note = PostedNote.objects.get()
    assert note.document["tag"] == [
        {"type": "Mention", "href": f"{outlier}/ap/topics/{lakes.pk}", "name": f"@lakes@{here}"}
    ]
    assert f'<a href="{outlier}/t/lakes/"' in note.document["content"]
    assert not ActivityDelivery.objects.exists()  # no follower, and the topic is here
