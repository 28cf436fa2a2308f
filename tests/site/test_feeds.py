"""RSS 2.0, Atom and JSON Feed 1.1 of a topic's and of a workspace's newest scoops."""

from __future__ import annotations

import calendar
import json
from datetime import timedelta

import feedparser
import pytest

from outlier.curation.models import ScoopState
from tests.site.factories import NOV_25, make_scoop, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoops(topic):
    older = make_scoop(
        topic,
        title="Forests are counting",
        published_at=NOV_25 - timedelta(days=2),
        author="Ada",
    )
    newer = make_scoop(
        topic,
        title="Rivers are rising",
        excerpt="The fastest rise in a century.",
        insight_html="<p>Worth <strong>reading</strong>.</p>",
        url="https://planet.example/rivers?utm=feed",
        canonical_url="https://planet.example/rivers",
        site_name="The Daily Planet",
        image_url="https://planet.example/river.jpg",
        published_at=NOV_25,
        tags=["Rivers", "Data"],
    )
    make_scoop(topic, title="Draft", state=ScoopState.DRAFT, published_at=NOV_25)
    return newer, older


@pytest.mark.parametrize(("kind", "version"), [("rss", "rss20"), ("atom", "atom10")])
def test_topic_xml_feed(client, settings, scoops, kind, version):
    newer, older = scoops
    response = client.get(f"/t/climate/feed.{kind}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith(f"application/{kind}+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == version
    assert feed.feed.title == "Climate"
    assert feed.feed.link == f"{settings.BASE_URL}/t/climate/"
    assert [e.title for e in feed.entries] == ["Rivers are rising", "Forests are counting"]
    entry = feed.entries[0]
    assert entry.link == f"{settings.BASE_URL}{newer.get_absolute_url()}"
    assert calendar.timegm(entry.published_parsed) == int(NOV_25.timestamp())
    assert entry.author == "The Daily Planet"
    assert feed.entries[1].author == "Ada"
    assert sorted(t.term for t in entry.tags) == ["Data", "Rivers"]
    content = entry.summary
    assert "<p>Worth <strong>reading</strong>.</p>" in content
    assert "The fastest rise in a century." in content
    newer.refresh_from_db()  # the way out goes through the scoop's tracked link for feeds
    assert newer.feed_link.original == "https://planet.example/rivers"
    assert (
        f'<a href="{settings.BASE_URL}/l/{newer.feed_link.code}">Read the full article →</a>'
        in content
    )
    assert "Sourced from The Daily Planet" in content
    assert 'src="https://planet.example/river.jpg"' in content


def test_topic_json_feed(client, settings, scoops):
    newer, _ = scoops
    response = client.get("/t/climate/feed.json")

    assert response["Content-Type"].startswith("application/feed+json")
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Climate"
    assert feed["home_page_url"] == f"{settings.BASE_URL}/t/climate/"
    assert feed["feed_url"] == f"{settings.BASE_URL}/t/climate/feed.json"
    assert [item["title"] for item in feed["items"]] == [
        "Rivers are rising",
        "Forests are counting",
    ]
    item = feed["items"][0]
    assert item["id"] == item["url"] == f"{settings.BASE_URL}{newer.get_absolute_url()}"
    newer.refresh_from_db()
    assert newer.feed_link.original == "https://planet.example/rivers"
    assert item["external_url"] == f"{settings.BASE_URL}/l/{newer.feed_link.code}"
    assert item["image"] == "https://planet.example/river.jpg"
    assert item["date_published"] == "2026-11-25T09:30:00+00:00"
    assert item["authors"] == [{"name": "The Daily Planet"}]
    assert sorted(item["tags"]) == ["Data", "Rivers"]
    assert item["summary"] == "The fastest rise in a century."
    assert item["content_html"].startswith('<p><img src="https://planet.example/river.jpg"')
    assert "<p>Worth <strong>reading</strong>.</p>" in item["content_html"]
    assert "Read the full article →" in item["content_html"]


def test_feeds_carry_the_fifty_newest(client, topic):
    for n in range(55):
        make_scoop(topic, title=f"Scoop {n:02d}", published_at=NOV_25 - timedelta(hours=n))

    rss = feedparser.parse(client.get("/t/climate/feed.rss").content)
    items = json.loads(client.get("/t/climate/feed.json").content)["items"]

    assert len(rss.entries) == len(items) == 50
    assert rss.entries[0].title == items[0]["title"] == "Scoop 00"
    assert rss.entries[-1].title == items[-1]["title"] == "Scoop 49"


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_workspace_feeds_mix_its_public_topics(client, settings, workspace, topic, kind):
    forests = make_topic(workspace, slug="forests", name="Forests")
    secret = make_topic(workspace, slug="secret", name="Secret", is_public=False)
    make_scoop(topic, title="From climate", published_at=NOV_25 - timedelta(days=1))
    make_scoop(forests, title="From forests", published_at=NOV_25)
    make_scoop(secret, title="From secret", published_at=NOV_25 + timedelta(days=1))

    body = client.get(f"/w/acme/feed.{kind}").content

    if kind == "json":
        feed = json.loads(body)
        assert feed["title"] == "Acme"
        assert feed["home_page_url"] == f"{settings.BASE_URL}/w/acme/"
        titles = [item["title"] for item in feed["items"]]
        links = [item["url"] for item in feed["items"]]
    else:
        parsed = feedparser.parse(body)
        assert parsed.feed.title == "Acme"
        assert parsed.feed.link == f"{settings.BASE_URL}/w/acme/"
        titles = [e.title for e in parsed.entries]
        links = [e.link for e in parsed.entries]
    assert titles == ["From forests", "From climate"]
    assert links[0].startswith(f"{settings.BASE_URL}/t/forests/")


def test_workspace_without_public_topics_has_no_feed(client, workspace):
    make_topic(workspace, slug="secret", is_public=False)

    assert client.get("/w/acme/feed.rss").status_code == 404
    assert client.get("/w/acme/").status_code == 404
    assert client.get("/w/nobody/feed.json").status_code == 404


def test_an_empty_topic_has_a_valid_empty_feed(client, topic):
    assert feedparser.parse(client.get("/t/climate/feed.atom").content).entries == []
    assert json.loads(client.get("/t/climate/feed.json").content)["items"] == []
