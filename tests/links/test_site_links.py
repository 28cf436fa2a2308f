""" "Read the full article →" on topic and scoop pages and in the RSS, Atom and JSON feeds goes
through the scoop's tracked link for that medium; with tracking off, the original, and the
page's ETag changes with the choice."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from outlier.core.models import Membership, Role, User
from outlier.curation.actions import do_update_scoop
from outlier.curation.models import Scoop
from outlier.links.models import Campaign
from outlier.site.page_cache import pages
from tests.site.factories import make_scoop, make_topic

from .conftest import follow

pytestmark = pytest.mark.django_db
ARTICLE = "https://planet.example/rivers?ref=home"


@pytest.fixture(autouse=True)
def _fresh_pages():
    pages.clear()
    yield
    pages.clear()


@pytest.fixture
def scoop(workspace):
    topic = make_topic(workspace)
    return make_scoop(topic, title="Rivers are rising", url=ARTICLE)


def code_in(text: str, marker: str = "/l/") -> str:
    start = text.index(f"{settings.BASE_URL}{marker}") + len(settings.BASE_URL) + len(marker)
    return text[start : start + 7]


def lands_on(code: str) -> dict[str, list[str]]:
    location = follow(code)["Location"]
    assert location.startswith("https://planet.example/rivers?ref=home&")
    return parse_qs(urlsplit(location).query)


def test_topic_and_scoop_pages_link_through_the_site_link(scoop):
    topic_page = Client().get("/t/climate/").content.decode()
    scoop.refresh_from_db()
    assert scoop.site_link is not None
    code = scoop.site_link.code
    assert f'href="{settings.BASE_URL}/l/{code}"' in topic_page
    assert ARTICLE not in topic_page
    scoop_page = Client().get(scoop.get_absolute_url()).content.decode()
    assert f'href="{settings.BASE_URL}/l/{code}"' in scoop_page
    query = lands_on(code)
    assert query["utm_medium"] == ["referral"] and query["utm_source"] == ["testserver"]
    assert query["utm_content"] == [f"scoop-{scoop.pk}"]


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_feeds_link_through_the_feed_link(scoop, kind):
    body = Client().get(f"/t/climate/feed.{kind}").content.decode()
    scoop.refresh_from_db()
    code = scoop.feed_link.code
    assert code != scoop.site_link_id  # its own link, not the pages'
    assert f"/l/{code}" in body
    if kind == "json":
        assert json.loads(body)["items"][0]["external_url"] == f"{settings.BASE_URL}/l/{code}"
    query = lands_on(code)
    assert query["utm_medium"] == ["feed"] and query["utm_source"] == ["feed"]


def test_the_workspace_feed_too(scoop):
    body = Client().get("/w/acme/feed.json").content.decode()
    scoop.refresh_from_db()
    assert f"/l/{scoop.feed_link.code}" in body


def test_tracking_off_shows_the_original_and_changes_the_etag(workspace, scoop):
    owner = User.objects.create_user(email="o@acme.test", password="x" * 12)
    member = Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    before = Client().get("/t/climate/")
    do_update_scoop(member, Scoop.objects.get(pk=scoop.pk), tracking=False)

    after = Client().get("/t/climate/")
    assert after["ETag"] != before["ETag"]
    html = after.content.decode()
    assert 'href="https://planet.example/rivers?ref=home"' in html
    assert "/l/" not in html
    feed = Client().get("/t/climate/feed.rss").content.decode()
    assert "/l/" not in feed


def test_a_campaign_change_makes_a_new_link(workspace, scoop):
    owner = User.objects.create_user(email="o@acme.test", password="x" * 12)
    member = Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    Client().get("/t/climate/")
    first = Scoop.objects.get(pk=scoop.pk).site_link
    campaign = Campaign.objects.create(workspace=workspace, name="Water", slug="water")
    do_update_scoop(member, Scoop.objects.get(pk=scoop.pk), campaign=campaign)

    html = Client().get("/t/climate/").content.decode()
    second = Scoop.objects.get(pk=scoop.pk).site_link
    assert second.pk != first.pk and second.campaign == campaign
    assert f"/l/{second.code}" in html
    assert lands_on(second.code)["utm_campaign"] == ["water"]


def test_a_page_rendered_twice_shows_the_same_link(scoop):
    first = code_in(Client().get("/t/climate/").content.decode())
    pages.clear()  # another process, rendering it again
    assert code_in(Client().get("/t/climate/").content.decode()) == first
