"""A visitor suggests an article on a topic's public page: it waits among the topic's
suggestions, marked as theirs, with its page read through the safe client, and the curator
scoops it like any other. Bad input gets the reason on the form and stores nothing; robots,
hurried forms and floods from one address are stopped while another visitor still suggests;
private topics, and topics whose curator turned it off, take no suggestions."""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape

import pytest
from django.test import Client
from django.utils import timezone

from outlier.curation import actions as curation
from outlier.curation.models import Scoop
from outlier.sources import visitor
from outlier.sources.models import Suggestion, SuggestionState
from tests.conftest import ARTICLE_HTML, make_topic

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="alert(1)">'


def form_url(topic) -> str:
    return f"/t/{topic.slug}/suggest/"


def suggest(topic, url, client=None, *, seconds_ago=10, address="198.51.100.7", **fields):
    """Post the public form as a visitor who had it open `seconds_ago` seconds."""
    stamp = visitor.form_stamp(timezone.now() - timedelta(seconds=seconds_ago))
    data = {"url": url, "name": "", "note": "", "website": "", "stamp": stamp, **fields}
    return (client or Client()).post(form_url(topic), data, REMOTE_ADDR=address)


def suggestions_page(team, topic) -> str:
    url = f"/app/{team.workspace.slug}/topics/{topic.slug}/suggestions/"
    return team.client(team.contributor).get(url).content.decode()


def test_a_visitors_suggestion_waits_for_the_curator_who_scoops_it(team, topic, page_server):
    article = page_server.add("/rivers", ARTICLE_HTML)
    public = Client().get(f"/t/{topic.slug}/")
    assert f'href="{form_url(topic)}"' in public.content.decode()  # the topic page links to it
    shown = Client().get(form_url(topic))
    assert shown.status_code == 200 and 'name="stamp"' in shown.content.decode()

    sent = suggest(topic, article, name=f"Ann {HOSTILE}", note="Our town is in it.")

    assert sent.status_code == 302 and sent["Location"].endswith("?thanks=new")
    assert "the curator will look at it" in Client().get(sent["Location"]).content.decode()
    made = Suggestion.objects.get(topic=topic)
    assert (made.from_visitor, made.state, made.url) == (True, SuggestionState.NEW, article)
    assert made.title == "Rivers are rising"  # its page was read through the safe client
    assert made.text.startswith("Scientists measured the fastest rise")
    assert made.visitor_name == f"Ann {HOSTILE}" and made.visitor_note == "Our town is in it."
    assert not Scoop.objects.exists()  # nothing is published before the curator decides

    body = suggestions_page(team, topic)
    assert "Suggested by a visitor" in body and escape(f"Ann {HOSTILE}") in body
    assert HOSTILE not in body and "Our town is in it." in body

    done = team.client(team.contributor).post(
        f"/app/{team.workspace.slug}/topics/{topic.slug}/suggestions/{made.pk}/scoop/",
        {"insight": "Thanks, Ann."})  # fmt: skip
    assert done.status_code == 302
    scoop = Scoop.objects.get(topic=topic)
    assert scoop.title == "Rivers are rising" and scoop.insight == "Thanks, Ann."
    made.refresh_from_db()
    assert made.state == SuggestionState.SCOOPED and made.scoop == scoop


def test_the_same_story_twice_is_one_suggestion_and_a_scooped_one_is_not_stored(
    team, topic, page_server
) -> None:
    article = page_server.add("/rivers", ARTICLE_HTML)
    assert suggest(topic, article)["Location"].endswith("?thanks=new")
    again = suggest(topic, article + "?utm_source=newsletter", address="198.51.100.8")
    assert again["Location"].endswith("?thanks=already_suggested")
    made = Suggestion.objects.get(topic=topic)
    assert made.reasons["visitors"] == 2 and made.copies == 2
    assert "(and 1 more)" in suggestions_page(team, topic)

    other = page_server.add("/bees", ARTICLE_HTML.replace("Rivers are rising", "Bees return")
                            .replace("planet.example/rivers-rising", "planet.example/bees"))  # fmt: skip
    curation.do_create_scoop(team.member(team.contributor), topic, other)
    on_topic = suggest(topic, other, address="198.51.100.9")
    assert on_topic["Location"].endswith("?thanks=on_topic")
    assert "already on the topic" in Client().get(on_topic["Location"]).content.decode()
    assert Suggestion.objects.filter(topic=topic).count() == 1


def test_a_page_that_cannot_be_read_still_waits_with_the_reason(team, topic, page_server):
    missing = page_server.base + "/gone"
    assert suggest(topic, missing).status_code == 302
    made = Suggestion.objects.get(topic=topic)
    assert made.title == missing and "HTTP 404" in made.reasons["unread"]
    assert "The page could not be read: The site answered HTTP 404." in suggestions_page(
        team, topic
    )


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"url": ""}, "url", "This field is required."),
    ({"url": "not a url"}, "url", "The address must not contain spaces."),
    ({"url": "ftp://files.example/a"}, "url", "Only http:// and https:// addresses"),
    ({"url": "https://user:pw@news.example/a"}, "url", "user name or password"),
    ({"url": "http://10.0.0.7/admin"}, "url", "cannot be read from here (a private address)"),
    ({"name": "x" * 101}, "name", "longer than 100 characters"),
    ({"note": "y" * 501}, "note", "longer than 500 characters"),
    ({"note": "bell\x07"}, "note", "control characters"),
])  # fmt: skip
def test_bad_input_is_refused_with_the_reason_and_nothing_is_stored(topic, fields, field, reason):
    data = {"url": "https://news.example/a", **fields}
    answer = suggest(topic, data.pop("url"), **data)
    assert answer.status_code == 400
    body = answer.content.decode()
    assert escape(reason) in body or reason in body, body
    assert re.search(r'role="alert">[^<]*' + re.escape(escape(reason)[:20]), body)
    assert not Suggestion.objects.exists()


def test_robots_hurried_forms_and_forged_stamps_store_nothing(topic):
    robot = suggest(topic, "https://news.example/a", website="https://spam.example")
    assert robot.status_code == 302  # thanked, so it learns nothing
    quick = suggest(topic, "https://news.example/a", seconds_ago=0)
    assert quick.status_code == 400 and "wait a moment" in quick.content.decode()
    forged = Client().post(form_url(topic), {"url": "https://news.example/a", "stamp": "1:abc"})
    assert forged.status_code == 400 and "open too long" in forged.content.decode()
    stale = suggest(topic, "https://news.example/a", seconds_ago=visitor.STAMP_MAX_AGE + 60)
    assert stale.status_code == 400
    assert not Suggestion.objects.exists()


def test_a_flood_from_one_address_is_stopped_while_another_visitor_still_suggests(topic):
    for n in range(visitor.PER_ADDRESS):
        assert suggest(topic, f"https://news.example/{n}").status_code == 302
    flood = suggest(topic, "https://news.example/more")
    assert flood.status_code == 429 and "try again in an hour" in flood.content.decode()
    other = suggest(topic, "https://news.example/other", address="203.0.113.5")
    assert other.status_code == 302
    assert Suggestion.objects.count() == visitor.PER_ADDRESS + 1


def test_a_topic_takes_a_days_share_of_visitor_suggestions(topic, monkeypatch):
    monkeypatch.setattr(visitor, "PER_TOPIC_DAY", 2)
    for n in range(2):
        assert (
            suggest(topic, f"https://news.example/{n}", address=f"203.0.113.{n}").status_code == 302
        )
    full = suggest(topic, "https://news.example/third", address="203.0.113.9")
    assert full.status_code == 429 and "no more suggestions today" in full.content.decode()


def test_private_topics_and_topics_that_turned_it_off_take_none(team, topic):
    private = make_topic(team.workspace, name="Internal", slug="internal", is_public=False)
    assert Client().get(form_url(private)).status_code == 404
    assert suggest(private, "https://news.example/a").status_code == 404

    editor = team.client(team.editor)
    edit = editor.post(f"/app/{team.workspace.slug}/topics/{topic.slug}/edit/", {
        "name": topic.name, "slug": topic.slug, "is_public": "on"})  # fmt: skip
    assert edit.status_code == 302
    topic.refresh_from_db()
    assert topic.visitor_suggestions is False
    assert Client().get(form_url(topic)).status_code == 404
    assert suggest(topic, "https://news.example/a").status_code == 404
    assert f'href="{form_url(topic)}"' not in Client().get(f"/t/{topic.slug}/").content.decode()
    assert not Suggestion.objects.exists()
