"""The topic learns from its curator's decisions: after scooping stories about one subject and
dismissing stories about another, new stories about the first come first, with the words that
put them there; "more like this" teaches without deciding."""

from __future__ import annotations

from outlier.sources import decide, learn, polling
from outlier.sources.models import Feed, Suggestion, TopicModel
from tests.sources.feed_server import rss
from tests.sources.test_suggestion_screens import offered


def test_decisions_reorder_what_comes_next(team, topic, feed_server):
    offered(team, topic, feed_server)  # the feed /news.xml, three items
    member = team.member(team.contributor)
    base = feed_server.base
    rust = [
        "Rust compiler adds incremental builds for workspaces",
        "Cargo gains a lockfile format for Rust crates",
        "Rust 1.90 brings const generics to traits",
        "The Rust compiler team ships parallel front end",
    ]
    gossip = [
        "Celebrity gossip: singer spotted at the Cannes gala",
        "Actor wedding photos leak before the ceremony",
        "Gossip columnists rate the Met Gala gowns",
        "Reality star announces a surprise engagement",
    ]
    feed_server.add("/news.xml", rss("Planet", [
        (f"t{n}", title, f"{base}/t{n}") for n, title in enumerate(rust + gossip)]))  # fmt: skip
    polling.poll(Feed.objects.get())
    for s in Suggestion.objects.filter(title__in=rust):
        decide.do_scoop(member, s)  # the pages are fetched (and missing: kept as drafts)
    for s in Suggestion.objects.filter(title__in=gossip):
        decide.do_dismiss(member, s)
    row = TopicModel.objects.get(topic=topic)
    assert (row.positives, row.negatives) == (4, 4)

    feed_server.add("/news.xml", rss("Planet", [
        ("g9", "Celebrity gossip at the premiere", f"{base}/premiere"),
        ("r9", "Rust compiler adds a faster linker", f"{base}/linker")]))  # fmt: skip
    polling.poll(Feed.objects.get())
    ranked = list(Suggestion.objects.filter(topic=topic, state="new").order_by("-score"))
    assert ranked[0].title == "Rust compiler adds a faster linker"
    assert "rust" in " ".join(ranked[0].reasons["terms"]).lower()

    # "More like this" teaches without deciding, and the open ones are scored again.
    gossip = Suggestion.objects.get(title="Celebrity gossip at the premiere")
    before = gossip.relevance
    for _ in range(6):
        decide.do_more_like_this(member, gossip)
    gossip.refresh_from_db()
    assert gossip.state == "new" and gossip.relevance > before
    assert learn.model_of(topic.pk).positives == 10
