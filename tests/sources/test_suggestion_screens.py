"""The topic's suggestions page: ranked stories with why they are there; a contributor scoops
one (it becomes a scoop, fetched like any other, with the insight), dismisses one, or asks for
more like it; a decision is final; viewers only read; hostile titles render inert."""

from __future__ import annotations

from outlier.curation.models import Scoop
from outlier.sources import actions
from outlier.sources.models import Suggestion, SuggestionState
from tests.conftest import ARTICLE_HTML, make_topic
from tests.sources.feed_server import rss

HOSTILE = "&lt;script&gt;alert(1)&lt;/script&gt;"


def page(team, topic, user=None):
    url = f"/app/{team.workspace.slug}/topics/{topic.slug}/suggestions/"
    return team.client(user or team.contributor).get(url)


def act(team, topic, suggestion, verb, user=None, **data):
    url = (f"/app/{team.workspace.slug}/topics/{topic.slug}/suggestions/"
           f"{suggestion.pk}/{verb}/")  # fmt: skip
    return team.client(user or team.contributor).post(url, data)


def offered(team, topic, feed_server):
    article = feed_server.add("/rivers", ARTICLE_HTML, content_type="text/html")
    feed_server.add("/bees", ARTICLE_HTML, content_type="text/html")
    url = feed_server.add("/news.xml", rss("Planet", [
        ("n1", "Rivers are rising", article), ("n2", "Bees return", feed_server.base + "/bees"),
        ("n3", HOSTILE, feed_server.base + "/hostile")]))  # fmt: skip
    actions.do_add_feed(team.member(team.contributor), topic, url)
    return {s.title: s for s in Suggestion.objects.filter(topic=topic)}


def test_suggestions_are_listed_with_why_and_decided(team, topic, feed_server):
    found = offered(team, topic, feed_server)
    body = page(team, topic).content.decode()
    assert "Rivers are rising" in body and "from Planet" in body
    assert "<script>alert" not in body and "/hostile" in body  # offered, and inert

    response = act(team, topic, found["Rivers are rising"], "scoop", insight="Worth a read.")
    assert response.status_code == 302
    scoop = Scoop.objects.get(topic=topic)
    assert scoop.insight == "Worth a read." and scoop.title == "Rivers are rising"
    rivers = Suggestion.objects.get(pk=found["Rivers are rising"].pk)
    assert rivers.state == SuggestionState.SCOOPED and rivers.scoop == scoop

    assert act(team, topic, found["Bees return"], "dismiss").status_code == 302
    again = act(team, topic, found["Bees return"], "dismiss")
    assert again.status_code == 400 and "already dismissed" in again.content.decode()
    body = page(team, topic).content.decode()
    assert "Bees return" not in body and "Rivers are rising" not in body


def test_viewers_read_but_do_not_decide(team, topic, feed_server):
    found = offered(team, topic, feed_server)
    body = page(team, topic, team.viewer).content.decode()
    assert "Rivers are rising" in body and "data-dismiss" not in body
    assert act(team, topic, found["Bees return"], "dismiss", team.viewer).status_code == 403
    assert Suggestion.objects.get(pk=found["Bees return"].pk).state == SuggestionState.NEW


def test_another_workspaces_suggestions_are_missing(team, topic, feed_server):
    found = offered(team, topic, feed_server)
    rival_topic = make_topic(team.other_workspace, name="Rival news", slug="rival-news")
    outsider = team.client(team.outsider)
    base = f"/app/{team.other_workspace.slug}/topics/{rival_topic.slug}/suggestions/"
    assert "Rivers are rising" not in outsider.get(base).content.decode()
    assert outsider.post(f"{base}{found['Bees return'].pk}/dismiss/").status_code == 404
    theirs = f"/app/{team.workspace.slug}/topics/{topic.slug}/suggestions/"
    assert outsider.get(theirs).status_code == 404
