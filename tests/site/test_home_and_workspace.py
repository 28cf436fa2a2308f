"""The front page and a workspace's page list public topics; every page announces feeds."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from outlier.core.models import Workspace
from outlier.curation.models import ScoopState
from tests.site.factories import NOV_25, make_scoop, make_topic

pytestmark = pytest.mark.django_db


def test_front_page_lists_public_topics_with_counts_and_latest_date(client, workspace, topic):
    make_scoop(topic, published_at=NOV_25)
    make_scoop(topic, published_at=NOV_25 - timedelta(days=3))
    make_scoop(topic, state=ScoopState.DRAFT, published_at=NOV_25 + timedelta(days=1))
    make_topic(workspace, slug="secret", name="Secret", is_public=False)
    other = Workspace.objects.create(name="Globex", slug="globex")
    make_topic(other, slug="ai", name="AI tools", description="Models and more.")

    html = client.get("/").content.decode()

    assert 'href="/t/climate/">Climate</a>' in html
    assert "2 scoops · latest 25 Nov 2026" in html
    assert 'href="/t/ai/">AI tools</a>' in html
    assert "Models and more." in html
    assert "0 scoops" in html
    assert "Secret" not in html
    assert html.index("Climate") < html.index("AI tools")  # busiest first


def test_front_page_without_topics(client, db):
    assert "No public topics yet" in client.get("/").content.decode()


def test_workspace_page_lists_its_public_topics(client, workspace, topic):
    make_topic(workspace, slug="secret", name="Secret", is_public=False)
    other = Workspace.objects.create(name="Globex", slug="globex")
    make_topic(other, slug="ai", name="AI tools")

    html = client.get("/w/acme/").content.decode()

    assert "<h1>Acme</h1>" in html
    assert "Acme curates." in html
    assert "Climate" in html
    assert "Secret" not in html and "AI tools" not in html


def alternates(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">', html)
    )


@pytest.mark.parametrize(
    ("path", "feeds"),
    [
        ("/", "/w/acme/feed"),
        ("/w/acme/", "/w/acme/feed"),
        ("/t/climate/", "/t/climate/feed"),
        ("/t/climate/archive/", "/t/climate/feed"),
        ("/t/climate/archive/2026/11/", "/t/climate/feed"),
        ("/t/climate/tag/rivers/", "/t/climate/feed"),
        ("scoop", "/t/climate/feed"),
    ],
)
def test_every_page_announces_its_feeds(client, settings, topic, path, feeds):
    scoop = make_scoop(topic, tags=["Rivers"], published_at=NOV_25)
    path = scoop.get_absolute_url() if path == "scoop" else path

    found = alternates(client.get(path).content.decode())

    base = f"{settings.BASE_URL}{feeds}"
    assert found == {
        "application/rss+xml": f"{base}.rss",
        "application/atom+xml": f"{base}.atom",
        "application/feed+json": f"{base}.json",
    }


def test_pages_link_the_stylesheet_and_no_outside_assets(client, topic):
    make_scoop(topic)

    html = client.get("/t/climate/").content.decode()

    assert '<link rel="stylesheet" href="/static/site/site.css' in html
    assert "<script" not in html
    assert not re.search(r'<link[^>]+rel="stylesheet"[^>]+href="https?://', html)
