"""A topic's sources through the REST API: adding a feed (201 with its health), a site with
several feeds (200 with the feeds offered, nothing added), refusals (400 with the reason),
keywords, listing with health, deleting, OPML import (multipart) and export (text/x-opml),
roles and scopes, other workspaces' topics and sources as 404, and the operations in the
OpenAPI document."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lxml import etree

from outlier.sources.models import Feed, Source, SourceKind
from tests.api.client import Api
from tests.conftest import make_topic
from tests.sources.conftest import feed_server  # noqa: F401 (the real feed server)
from tests.sources.feed_server import rss

ITEMS = [("a-1", "Rivers rise", "https://news.example/rivers"),
         ("a-2", "Bees return", "https://news.example/bees")]  # fmt: skip


def test_a_feed_is_added_and_listed_with_its_health(team, topic, feed_server):  # noqa: F811
    url = feed_server.add("/news.xml", rss("Planet news", ITEMS))
    api = Api(team.token(team.contributor))
    made = api.post("/topics/climate/sources", {"url": url, "category": "News/Tech"})
    assert made.status_code == 201, made.content
    source = made.json()
    assert source["kind"] == "feed" and source["url"] == url and source["topic"] == "climate"
    assert source["name"] == "Planet news" and source["category"] == "News/Tech"
    health = source["health"]
    assert health["state"] == "ok" and health["items"] == 2 and health["error"] == ""
    assert health["checked_at"] and health["new_at"] and health["next_at"]
    assert health["pushed"] is False and health["push_state"] == ""

    Feed.objects.update(error="The server answered HTTP 500.", errors=3)
    listed = Api(team.token(team.viewer, "read")).get("/topics/climate/sources")
    assert listed.status_code == 200
    [row] = listed.json()
    assert row["id"] == source["id"]
    assert row["health"]["state"] == "error" and row["health"]["errors"] == 3
    assert row["health"]["error"] == "The server answered HTTP 500."
    assert api.get(f"/sources/{source['id']}").json()["health"]["state"] == "error"


def test_a_site_with_several_feeds_offers_them(team, topic, feed_server):  # noqa: F811
    posts = feed_server.add("/two/posts.xml", rss("Posts", ITEMS))
    comments = feed_server.add("/two/comments.xml", rss("Comments", ITEMS[:1]))
    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="{u}">'
                    for u in (posts, comments))  # fmt: skip
    page = feed_server.add("/two/", f"<html><head>{links}</head><body>x</body></html>",
                           content_type="text/html")  # fmt: skip
    api = Api(team.token(team.contributor))
    offered = api.post("/topics/climate/sources", {"url": page})
    assert offered.status_code == 200
    body = offered.json()
    assert [o["url"] for o in body["offered"]] == [posts, comments]
    assert body["site"] == page and "2 feeds" in body["detail"]
    assert not Source.objects.exists()
    picked = api.post("/topics/climate/sources", {"url": body["offered"][1]["url"]})
    assert picked.status_code == 201 and picked.json()["url"] == comments


def test_refusals_are_400s_with_the_reason(team, topic, feed_server):  # noqa: F811
    api = Api(team.token(team.contributor))
    page = feed_server.add("/page", "<html><body><p>No feeds.</p></body></html>",
                           content_type="text/html")  # fmt: skip
    for url, reason in ((page, "none of its usual feed addresses"),
                        ("ftp://x.example/feed", "Only http:// and https://"),
                        (feed_server.base + "/missing", "HTTP 404")):  # fmt: skip
        refused = api.post("/topics/climate/sources", {"url": url})
        assert refused.status_code == 400, url
        assert reason in refused.json()["detail"] and "url" in refused.json()["errors"]
    url = feed_server.add("/news.xml", rss("Planet news", ITEMS))
    assert api.post("/topics/climate/sources", {"url": url}).status_code == 201
    twice = api.post("/topics/climate/sources", {"url": url})
    assert twice.status_code == 400 and "already follows" in twice.json()["detail"]
    assert Source.objects.count() == 1


def test_keywords_are_added_and_checked(team, topic):
    api = Api(team.token(team.contributor))
    made = api.post("/topics/climate/sources/keywords",
                    {"keywords": ["solar", "heat pump", "#climate"], "name": "Energy"})  # fmt: skip
    assert made.status_code == 201
    body = made.json()
    assert body["kind"] == "keywords" and body["keywords"] == ["solar", "heat pump", "climate"]
    assert body["name"] == "Energy" and body["url"] == ""
    for words, reason in ((["solar", " "], "empty"), (["x" * 101], "longer than 100"),
                          ([f"w{n}" for n in range(21)], "At most 20"), ([], "at least one")):  # fmt: skip
        refused = api.post("/topics/climate/sources/keywords", {"keywords": words})
        assert refused.status_code == 400 and reason in refused.json()["detail"], words
    assert Source.objects.filter(kind=SourceKind.KEYWORDS).count() == 1


def test_deleting_a_source(team, topic):
    source = Source.objects.create(workspace=team.workspace, topic=topic,
                                   kind=SourceKind.KEYWORDS, keywords=["solar"])  # fmt: skip
    assert Api(team.token(team.viewer)).delete(f"/sources/{source.pk}").status_code == 403
    assert Api(team.token(team.contributor, "read")).delete(
        f"/sources/{source.pk}").status_code == 403  # fmt: skip
    assert Api(team.token(team.outsider)).delete(f"/sources/{source.pk}").status_code == 404
    assert Api(team.token(team.contributor)).delete(f"/sources/{source.pk}").status_code == 204
    assert not Source.objects.exists()


def test_opml_import_and_export(team, topic):
    api = Api(team.token(team.contributor))
    opml = ('<opml version="1.0"><head><title>Reader</title></head><body>'
            '<outline title="News"><outline title="Tech">'
            '<outline text="LWN" xmlUrl="https://lwn.example/rss"/></outline></outline>'
            '<outline text="Old" xmlUrl="gopher://old.example/"/>'
            '<outline text="Loose" xmlUrl="https://loose.example/feed"/></body></opml>')  # fmt: skip
    report = api.upload("/topics/climate/sources/import",
                        {"file": SimpleUploadedFile("reader.opml", opml.encode())})  # fmt: skip
    assert report.status_code == 200, report.content
    assert report.json() | {"problems": []} == {"title": "Reader", "listed": 2, "added": 2,
                                                "already": 0, "problems": []}  # fmt: skip
    assert "gopher://" in report.json()["problems"][0]
    again = api.upload("/topics/climate/sources/import",
                       {"file": SimpleUploadedFile("reader.opml", opml.encode())})  # fmt: skip
    assert again.json()["already"] == 2 and again.json()["added"] == 0
    states = {s["url"]: s["health"]["state"] for s in api.get("/topics/climate/sources").json()}
    assert states == {"https://lwn.example/rss": "waiting", "https://loose.example/feed": "waiting"}

    bad = api.upload("/topics/climate/sources/import",
                     {"file": SimpleUploadedFile("bad.opml", b"<opml><body>")})  # fmt: skip
    assert bad.status_code == 400 and "file" in bad.json()["errors"]
    assert api.upload("/topics/climate/sources/import", {}).status_code == 400
    assert Source.objects.count() == 2

    exported = api.get("/topics/climate/sources/export.opml")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/x-opml")
    root = etree.fromstring(exported.content)
    assert root.get("version") == "2.0"
    lwn = root.find("body/outline[@text='News']/outline[@text='Tech']/outline")
    assert lwn.get("xmlUrl") == "https://lwn.example/rss"

    make_topic(team.workspace, name="Other", slug="other")
    api.post("/topics/other/sources/keywords", {"keywords": ["x"]})
    everything = Api(team.token(team.viewer, "read")).get("/sources/export.opml")
    root = etree.fromstring(everything.content)
    top = [o.get("text") for o in root.findall("body/outline")]
    assert top == ["Climate"]  # keyword sources are no feeds: not in OPML
    assert root.find("body/outline/outline[@text='News']/outline[@text='Tech']/outline") is not None


def test_roles_scopes_and_other_workspaces(team, topic):
    make_topic(team.other_workspace, name="Secret", slug="secret")
    viewer = Api(team.token(team.viewer))
    assert viewer.get("/topics/climate/sources").status_code == 200
    assert viewer.post("/topics/climate/sources", {"url": "https://x.example/"}).status_code == 403
    assert viewer.post("/topics/climate/sources/keywords",
                       {"keywords": ["x"]}).status_code == 403  # fmt: skip
    assert viewer.upload("/topics/climate/sources/import",
                         {"file": SimpleUploadedFile("a.opml", b"<opml/>")}).status_code == 403  # fmt: skip
    read_only = Api(team.token(team.contributor, "read"))
    assert read_only.post("/topics/climate/sources/keywords",
                          {"keywords": ["x"]}).status_code == 403  # fmt: skip
    contributor = Api(team.token(team.contributor))
    assert contributor.get("/topics/secret/sources").status_code == 404
    assert contributor.post("/topics/secret/sources/keywords",
                            {"keywords": ["x"]}).status_code == 404  # fmt: skip
    assert contributor.get("/topics/secret/sources/export.opml").status_code == 404
    assert Client().get("/api/v1/topics/climate/sources").status_code == 401
    assert not Source.objects.exists()


def test_the_source_operations_are_in_the_openapi_document(team):
    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert set(paths["/api/v1/topics/{slug}/sources"]) == {"get", "post"}
    assert {"201", "200"} <= set(paths["/api/v1/topics/{slug}/sources"]["post"]["responses"])
    assert "post" in paths["/api/v1/topics/{slug}/sources/keywords"]
    assert set(paths["/api/v1/sources/{source_id}"]) == {"get", "delete"}
    upload = paths["/api/v1/topics/{slug}/sources/import"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    for path in ("/api/v1/topics/{slug}/sources/export.opml", "/api/v1/sources/export.opml"):
        assert "text/x-opml" in paths[path]["get"]["responses"]["200"]["content"]
    assert all(op["tags"] == ["sources"] for op in paths["/api/v1/topics/{slug}/sources"].values())
