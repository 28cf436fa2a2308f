"""A topic's suggestions through the REST API: the ranked list with why each is there, one
suggestion, scoop (201 with the scoop, fetched like any other), dismiss, "more like this"; a
second decision refused with the reason; viewers and read tokens refused; other workspaces'
and other topics' suggestions 404; the operations in the OpenAPI document."""

from __future__ import annotations

from django.test import Client

from outlier.curation.models import Scoop
from outlier.sources.models import Source, SourceKind, Suggestion, SuggestionState
from tests.api.client import Api
from tests.conftest import ARTICLE_HTML, make_topic


def offer(topic, url, title, score, **fields) -> Suggestion:
    return Suggestion.objects.create(topic=topic, story_key=url.split("//", 1)[1], url=url,
                                     title=title, text=f"{title}: the story.", score=score,
                                     relevance=0.5, **fields)  # fmt: skip


def test_the_list_is_ranked_and_says_why(team, topic):
    source = Source.objects.create(workspace=team.workspace, topic=topic, kind=SourceKind.KEYWORDS,
                                   keywords=["rivers"], name="Rivers watch")  # fmt: skip
    offer(topic, "https://news.example/low", "Low", 1.0)
    offer(topic, "https://news.example/high", "High", 9.0, copies=2, reasons={
        "sources": [source.pk], "keywords": ["rivers"], "terms": ["flood"],
        "also": ["https://other.example/high"]})  # fmt: skip
    offer(topic, "https://news.example/visitor", "Visitor's", 5.0, from_visitor=True,
          visitor_name="Ann", visitor_note="Local news", reasons={"visitors": 1})  # fmt: skip
    offer(topic, "https://news.example/old", "Old", 20.0, state=SuggestionState.DISMISSED)

    reader = Api(team.token(team.viewer, "read"))
    listed = reader.get("/topics/climate/suggestions")

    assert listed.status_code == 200, listed.content
    rows = listed.json()
    assert [r["title"] for r in rows] == ["High", "Visitor's", "Low"]
    high = rows[0]
    assert high["why"] == {"sources": ["Rivers watch"], "keywords": ["rivers"],
                           "terms": ["flood"], "also": ["https://other.example/high"],
                           "visitor": False, "visitors": 0, "unread": ""}  # fmt: skip
    assert high["copies"] == 2 and high["state"] == "new" and high["topic"] == "climate"
    assert rows[1]["why"]["visitor"] is True and rows[1]["visitor_name"] == "Ann"
    dismissed = reader.get("/topics/climate/suggestions?state=dismissed").json()
    assert [r["title"] for r in dismissed] == ["Old"]
    paged = reader.get("/topics/climate/suggestions?limit=1&offset=1")
    assert [r["title"] for r in paged.json()] == ["Visitor's"]
    assert reader.get("/topics/climate/suggestions?limit=0").status_code == 422
    assert reader.get("/topics/climate/suggestions?state=x").status_code == 422


def test_scoop_dismiss_and_more_like_this(team, topic, page_server):
    article = page_server.add("/rivers", ARTICLE_HTML)
    rivers = offer(topic, article, "Rivers are rising", 3.0)
    bees = offer(topic, "https://news.example/bees", "Bees", 2.0)
    api = Api(team.token(team.contributor))

    made = api.post(f"/topics/climate/suggestions/{rivers.pk}/scoop",
                    {"insight": "Worth it.", "tags": ["water"]})  # fmt: skip
    assert made.status_code == 201, made.content
    scoop = Scoop.objects.get(topic=topic)
    assert made.json()["id"] == scoop.pk and scoop.insight == "Worth it."
    assert scoop.title == "Rivers are rising" and [t.name for t in scoop.tags.all()] == ["water"]
    read = api.get(f"/topics/climate/suggestions/{rivers.pk}").json()
    assert read["state"] == "scooped" and read["scoop"] == scoop.pk and read["decided_at"]

    again = api.post(f"/topics/climate/suggestions/{rivers.pk}/dismiss")
    assert again.status_code == 400 and "already scooped" in again.json()["detail"]

    more = api.post(f"/topics/climate/suggestions/{bees.pk}/more")
    assert more.status_code == 200 and more.json() == {"rescored": 1}
    dismissed = api.post(f"/topics/climate/suggestions/{bees.pk}/dismiss")
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
    assert api.post(f"/topics/climate/suggestions/{bees.pk}/scoop").status_code == 400


def test_roles_scopes_and_other_workspaces(team, topic):
    bees = offer(topic, "https://news.example/bees", "Bees", 2.0)
    viewer = Api(team.token(team.viewer)).post(f"/topics/climate/suggestions/{bees.pk}/dismiss")
    assert viewer.status_code == 403
    read_only = Api(team.token(team.contributor, "read"))
    assert read_only.post(f"/topics/climate/suggestions/{bees.pk}/dismiss").status_code == 403
    other = make_topic(team.workspace, name="Other", slug="other")
    contributor = Api(team.token(team.contributor))
    wrong_topic = contributor.post(f"/topics/{other.slug}/suggestions/{bees.pk}/dismiss")
    assert wrong_topic.status_code == 404
    rival = make_topic(team.other_workspace, name="Rival", slug="rival")
    theirs = offer(rival, "https://news.example/theirs", "Theirs", 1.0)
    outsider = contributor
    assert outsider.get(f"/topics/climate/suggestions/{theirs.pk}").status_code == 404
    assert outsider.get("/topics/rival/suggestions").status_code == 404
    bees.refresh_from_db()
    assert bees.state == SuggestionState.NEW
    assert Client().get("/api/v1/topics/climate/suggestions").status_code == 401


def test_the_operations_are_in_openapi(team):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    base = "/api/v1/topics/{slug}/suggestions"
    assert "get" in paths[base] and "get" in paths[base + "/{suggestion_id}"]
    for verb in ("scoop", "dismiss", "more"):
        assert "post" in paths[f"{base}/{{suggestion_id}}/{verb}"]
