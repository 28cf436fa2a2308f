"""New items become suggestions for the topics that follow their feed or listen for their
keywords, once per story: the same address from two feeds is one suggestion naming both, a
story already scooped is not suggested, a retitled item is not offered again."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from outlier.curation.urlkeys import url_key
from outlier.sources import actions, polling
from outlier.sources.models import Feed, Source, SourceKind, Suggestion
from tests.conftest import make_scoop, make_topic
from tests.sources.feed_server import rss


def follow(team, topic, url):
    source, _ = actions.do_add_feed(team.member(team.contributor), topic, url)
    return source


def titles(topic):
    return sorted(Suggestion.objects.filter(topic=topic).values_list("title", flat=True))


def test_items_are_offered_once_per_story_with_their_reasons(team, topic, feed_server):
    other = make_topic(team.workspace, name="Climate", slug="climate-2")
    make_scoop(
        topic, url="https://news.example/scooped", url_key=url_key("https://news.example/scooped")
    )
    listening = Source.objects.create(workspace=team.workspace, topic=other, name="Bees",
                                      kind=SourceKind.KEYWORDS, keywords=["bees", "wild honey"])  # fmt: skip
    planet = follow(team, topic, feed_server.add("/planet.xml", rss("Planet", [
        ("p1", "Rivers rise", "https://news.example/rivers?utm_source=rss"),
        ("p2", "Wild honey is back", "https://news.example/honey"),
        ("p3", "Already scooped", "https://news.example/scooped")])))  # fmt: skip
    daily = follow(team, topic, feed_server.add("/daily.xml", rss("Daily", [
        ("d1", "Rivers are rising", "https://www.news.example/rivers")])))  # fmt: skip

    assert titles(topic) == ["Rivers rise", "Wild honey is back"]
    rivers = Suggestion.objects.get(topic=topic, title="Rivers rise")
    assert rivers.copies == 2 and rivers.reasons["sources"] == sorted([planet.pk, daily.pk])
    # The keyword source hears the item of a feed its workspace follows, for its own topic.
    honey = Suggestion.objects.get(topic=other)
    assert honey.reasons == {"sources": [listening.pk], "keywords": ["wild honey"], "terms": []}

    # Read again with a retitled item: nothing offered twice.
    feed_server.add("/planet.xml", rss("Planet", [
        ("p1", "Rivers rise fast", "https://news.example/rivers"),
        ("p4", "Bees everywhere", "https://news.example/bees")]))  # fmt: skip
    feed = Feed.objects.get(url=feed_server.base + "/planet.xml")
    polling.poll(feed)
    assert titles(topic) == ["Bees everywhere", "Rivers rise", "Wild honey is back"]
    assert Suggestion.objects.filter(topic=other).count() == 2


def test_the_score_prefers_fresh_stories_without_rescoring():
    from outlier.sources.learn import score

    now = timezone.now()
    assert score(0.5, now) > score(0.5, now - timedelta(hours=1))
    # A story twice as relevant is worth one half-life of age.
    assert abs(score(1.0, now - timedelta(hours=24)) - score(0.5, now)) < 1e-9


def test_a_syndicated_copy_under_another_address_joins_the_story(team, topic, feed_server):
    story = ("The city council of Lyon voted 41 to 12 on Tuesday to close the Croix-Rousse "
             "tunnel to cars from March 2027, after a two-year trial that cut traffic by 38 "
             "percent. Mayor Grégory Doucet said buses and bicycles keep their lanes.")  # fmt: skip

    def feed(name, guid, title, link, text):
        return ('<?xml version="1.0"?><rss version="2.0"><channel><title>' + name +
                f"</title><item><guid>{guid}</guid><title>{title}</title><link>{link}</link>"
                f"<description>{text}</description></item></channel></rss>")  # fmt: skip

    follow(team, topic, feed_server.add("/wire.xml", feed(
        "Wire", "w1", "Lyon closes the Croix-Rousse tunnel to cars",
        "https://wire.example/lyon-tunnel", story)))  # fmt: skip
    follow(team, topic, feed_server.add("/paper.xml", feed(
        "Paper", "p1", "Lyon to close Croix-Rousse tunnel to cars from 2027",
        "https://paper.example/2026/12/lyon", "LYON (Wire) — " + story + " Subscribe now.")))  # fmt: skip
    follow(team, topic, feed_server.add("/other.xml", feed(
        "Other", "o1", "Lyon opens a new tram line", "https://other.example/tram",
        "The T10 tram line between Gerland and Vénissieux opened on Saturday with 14 stops.")))  # fmt: skip

    assert titles(topic) == ["Lyon closes the Croix-Rousse tunnel to cars",
                             "Lyon opens a new tram line"]  # fmt: skip
    tunnel = Suggestion.objects.get(title__startswith="Lyon closes")
    assert tunnel.copies == 2 and tunnel.reasons["also"] == ["https://paper.example/2026/12/lyon"]
