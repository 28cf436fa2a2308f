"""ETag and Last-Modified from the topic's changed_at; 304 for a current copy."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outlier.site.page_cache import pages
from tests.site.factories import make_scoop, make_topic, touch

pytestmark = pytest.mark.django_db

TOPIC_PATHS = [
    "/t/climate/",
    "/t/climate/archive/",
    "/t/climate/archive/2026/11/",
    "/t/climate/tag/rivers/",
    "/t/climate/feed.rss",
    "/t/climate/feed.atom",
    "/t/climate/feed.json",
]
OTHER_PATHS = ["/", "/w/acme/", "/w/acme/feed.rss", "/w/acme/feed.atom", "/w/acme/feed.json",
               "/sitemap.xml"]  # fmt: skip


@pytest.fixture
def scoop(topic):
    return make_scoop(topic, tags=["Rivers"])


@pytest.mark.parametrize("path", [*TOPIC_PATHS, *OTHER_PATHS, "scoop"])
def test_validators_and_cache_headers(client, scoop, path):
    path = scoop.get_absolute_url() if path == "scoop" else path

    response = client.get(path)

    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert "Accept-Encoding" in response["Vary"]


@pytest.mark.parametrize("path", [*TOPIC_PATHS, *OTHER_PATHS, "scoop"])
def test_if_none_match_gets_304_with_an_empty_body(client, scoop, path):
    path = scoop.get_absolute_url() if path == "scoop" else path
    etag = client.get(path)["ETag"]

    again = client.get(path, headers={"if-none-match": etag})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert "max-age=60" in again["Cache-Control"]


@pytest.mark.parametrize("path", ["/t/climate/", "/t/climate/feed.rss", "/", "/w/acme/"])
def test_if_modified_since_gets_304(client, scoop, path):
    last_modified = client.get(path)["Last-Modified"]

    again = client.get(path, headers={"if-modified-since": last_modified})

    assert again.status_code == 304
    assert again.content == b""


def test_the_304_costs_one_query_and_no_rendering(client, scoop):
    etag = client.get("/t/climate/")["ETag"]

    with CaptureQueriesContext(connection) as queries:
        again = client.get("/t/climate/", headers={"if-none-match": etag})

    assert again.status_code == 304
    assert len(queries) == 1


def test_a_remembered_page_costs_one_query(client, topic):
    for _ in range(25):
        make_scoop(topic, tags=["Rivers", "Data"])
    client.get("/t/climate/")

    with CaptureQueriesContext(connection) as queries:
        again = client.get("/t/climate/")

    assert again.status_code == 200
    assert len(queries) == 1
    assert again.content.decode().count('<article class="scoop') == 20


def test_rendering_a_page_needs_a_fixed_number_of_queries(client, topic):
    for _ in range(25):
        make_scoop(topic, tags=["Rivers", "Data"])

    client.get("/t/climate/")  # the first rendering makes the scoops' tracked links
    pages.clear()

    with CaptureQueriesContext(connection) as queries:
        client.get("/t/climate/")

    # freshness, topic, count, the page of scoops with their topic and links, their tags
    assert len(queries) == 5


@pytest.mark.parametrize(
    ("path", "news"),
    [
        ("/t/climate/", "Something new"),
        ("/t/climate/feed.json", "Something new"),
        ("/", "2 scoops"),
        ("/w/acme/", "2 scoops"),
    ],
)
def test_a_new_scoop_changes_the_etag(client, topic, scoop, path, news):
    etag = client.get(path)["ETag"]

    make_scoop(topic, title="Something new")  # bumps topic.changed_at
    again = client.get(path, headers={"if-none-match": etag})

    assert again.status_code == 200
    assert again["ETag"] != etag
    assert news in again.content.decode()


def test_each_page_number_has_its_own_etag(client, topic):
    for _ in range(25):
        make_scoop(topic)

    one, two = client.get("/t/climate/"), client.get("/t/climate/?page=2")

    assert one["ETag"] != two["ETag"]
    assert (
        client.get("/t/climate/?page=2", headers={"if-none-match": one["ETag"]}).status_code == 200
    )


def test_a_topic_turned_private_drops_off_the_front_page(client, workspace, topic, scoop):
    other = make_topic(workspace, slug="forests", name="Forests")
    make_scoop(other)
    etag = client.get("/")["ETag"]

    topic.is_public = False
    topic.save()
    touch(topic)
    again = client.get("/", headers={"if-none-match": etag})

    assert again.status_code == 200
    assert "Climate" not in again.content.decode()


def test_errors_carry_no_validators(client, topic):
    response = client.get("/t/climate/?page=9")

    assert response.status_code == 404
    assert "ETag" not in response


def test_if_none_match_star_is_answered_after_the_page_is_known_to_exist(client, topic):
    make_scoop(topic)

    assert client.get("/t/climate/", headers={"if-none-match": "*"}).status_code == 304
    assert client.get("/t/climate/?page=9", headers={"if-none-match": "*"}).status_code == 404
