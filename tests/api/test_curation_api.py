"""Topics and scoops through the REST API, with the role of the token's owner enforced."""

from __future__ import annotations

from outlier.curation.models import Scoop, ScoopState, Topic
from tests.api.client import Api
from tests.conftest import make_scoop, make_topic


def test_topics_full_crud_with_public_and_feed_urls(team, settings):
    api = Api(team.token(team.editor))
    created = api.post("/topics", {"name": "Ocean News", "description": "Seas"})
    assert created.status_code == 201
    body = created.json()
    assert body["slug"] == "ocean-news"
    assert body["public_url"] == settings.BASE_URL + "/t/ocean-news/"
    assert body["feeds"]["rss"].startswith(settings.BASE_URL + "/t/ocean-news/")
    assert set(body["feeds"]) == {"rss", "atom", "json_feed"}
    assert api.get("/topics/ocean-news").json()["name"] == "Ocean News"
    changed = api.patch("/topics/ocean-news", {"is_public": False, "description": "Deep"})
    assert changed.json()["public_url"] is None and changed.json()["description"] == "Deep"
    assert [t["slug"] for t in api.get("/topics").json()] == ["ocean-news"]
    assert api.delete("/topics/ocean-news").status_code == 204
    assert api.get("/topics/ocean-news").status_code == 404


def test_a_taken_topic_slug_is_a_clear_400(team):
    make_topic(team.other_workspace, slug="climate")
    response = Api(team.token(team.editor)).post("/topics", {"name": "Climate"})
    assert response.status_code == 400
    assert "taken" in response.json()["detail"]
    assert response.json()["errors"]["slug"]


def test_contributors_cannot_manage_topics(team, topic):
    api = Api(team.token(team.contributor))
    assert api.post("/topics", {"name": "Mine"}).status_code == 403
    assert api.patch("/topics/climate", {"name": "X"}).status_code == 403
    assert api.delete("/topics/climate").status_code == 403
    assert Topic.objects.get(pk=topic.pk).name == "Climate"


def test_scoop_a_url_through_the_api(team, topic, article_url):
    api = Api(team.token(team.contributor))
    response = api.post("/scoops", {"url": article_url, "topic": "climate",
                                    "insight": "Worth it", "tags": ["rivers"]})  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "published"
    assert body["title"] == "Rivers are rising"
    assert body["tags"] == ["rivers"]
    assert body["public_url"].endswith(f"/t/climate/{body['id']}-rivers-are-rising/")
    again = api.post("/scoops", {"url": article_url + "?utm_medium=x", "topic": "climate"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_a_failed_scoop_reports_its_state_and_reason(team, topic, page_server):
    url = page_server.add("/gone", b"nope", status=410)
    body = Api(team.token(team.owner)).post("/scoops", {"url": url, "topic": "climate"}).json()
    assert body["state"] == "failed"
    assert "410" in body["reason"]
    assert body["public_url"] is None


def test_scoop_read_update_publish_unpublish_delete(team, topic):
    scoop = make_scoop(topic, state=ScoopState.DRAFT, created_by=team.contributor)
    api = Api(team.token(team.contributor))
    assert api.get(f"/scoops/{scoop.pk}").json()["state"] == "draft"
    edited = api.patch(f"/scoops/{scoop.pk}", {"title": "New title", "insight": "**bold**",
                                               "state": "published"})  # fmt: skip
    assert edited.status_code == 200
    assert edited.json()["title"] == "New title"
    assert edited.json()["insight_html"] == "<p><strong>bold</strong></p>\n"
    assert edited.json()["state"] == "published"
    assert api.patch(f"/scoops/{scoop.pk}", {"state": "draft"}).json()["state"] == "draft"
    assert [s["id"] for s in api.get("/scoops?topic=climate&state=draft").json()] == [scoop.pk]
    assert api.delete(f"/scoops/{scoop.pk}").status_code == 204
    assert not Scoop.objects.filter(pk=scoop.pk).exists()


def test_bad_scoop_input_gets_clear_errors(team, topic):
    api = Api(team.token(team.owner))
    bad_url = api.post("/scoops", {"url": "javascript:alert(1)", "topic": "climate"})
    assert bad_url.status_code == 400 and "http" in bad_url.json()["detail"]
    assert api.post("/scoops", {"url": "https://a.example/", "topic": "nope"}).status_code == 404
    assert api.post("/scoops", {"topic": "climate"}).status_code == 422
    scoop = make_scoop(topic)
    long_title = api.patch(f"/scoops/{scoop.pk}", {"title": "x" * 301})
    assert long_title.status_code == 400
    empty_title = api.patch(f"/scoops/{scoop.pk}", {"title": ""})
    assert empty_title.status_code == 400 and "title" in empty_title.json()["detail"]
    assert Scoop.objects.get(pk=scoop.pk).title == scoop.title
    assert api.get("/scoops/999999").status_code == 404


def test_roles_and_workspaces_are_enforced_on_scoops(team, topic):
    others = make_scoop(topic, created_by=team.editor)
    contributor = Api(team.token(team.contributor))
    assert contributor.patch(f"/scoops/{others.pk}", {"title": "Mine now"}).status_code == 403
    assert contributor.delete(f"/scoops/{others.pk}").status_code == 403
    viewer = Api(team.token(team.viewer))
    assert viewer.get(f"/scoops/{others.pk}").status_code == 200
    assert (
        viewer.post("/scoops", {"url": "https://a.example/", "topic": "climate"}).status_code == 403
    )
    outsider = Api(team.token(team.outsider))
    assert outsider.get(f"/scoops/{others.pk}").status_code == 404
    assert outsider.get("/topics/climate").status_code == 404
    assert Scoop.objects.get(pk=others.pk).title == others.title
