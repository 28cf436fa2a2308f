"""A visitor's suggestion is judged by moderation as it is stored: what they wrote and the
address, known by their name or client address. One that is held waits in the review queue,
out of the curator's suggestions, until someone approves it; a blocked, rejected or spam one
is never shown to the curator, on the page or through the API."""

from __future__ import annotations

from typing import Any

import pytest

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule, do_decide
from outlier.moderation.keys import address_key_for, author_key_for
from outlier.moderation.models import Case, CaseState, Subject
from outlier.sources.models import Suggestion
from tests.api.client import Api
from tests.conftest import ARTICLE_HTML
from tests.sources.test_visitor_suggestions import suggest

pytestmark = pytest.mark.django_db


def editor_of(team: Any) -> Membership:
    return team.member(team.editor)


def curator_page(team: Any, topic: Any) -> str:
    return team.client(team.contributor).get(
        f"/app/acme/topics/{topic.slug}/suggestions/").content.decode()  # fmt: skip


@pytest.fixture
def api(team: Any) -> Api:
    return Api(team.token(team.contributor, "read"))


def curator_sees(team: Any, api: Api, topic: Any, suggestion: Suggestion) -> bool:
    """Whether the suggestion is in the curator's list and detail, on the page and in the API
    (all three agree, or the test fails)."""
    on_page = f"/suggestions/{suggestion.pk}/scoop/" in curator_page(team, topic)
    listed = [s["id"] for s in api.get(f"/topics/{topic.slug}/suggestions").json()]
    detail = api.get(f"/topics/{topic.slug}/suggestions/{suggestion.pk}").status_code
    assert on_page == (suggestion.pk in listed) == (detail == 200), (on_page, listed, detail)
    assert detail in (200, 404)
    return on_page


def test_a_visitors_suggestion_is_judged_with_what_they_wrote(team: Any, api: Api, topic: Any,
                                                               page_server: Any) -> None:  # fmt: skip
    url = page_server.add("/rivers", ARTICLE_HTML)
    sent = suggest(topic, url, name="Ann", note="Our town is in it.", address="198.51.100.7")
    assert sent.status_code == 302 and sent["Location"].endswith("?thanks=new")
    made = Suggestion.objects.get(topic=topic)
    case = Case.objects.get(subject=Subject.SUGGESTION)
    assert (case.workspace, case.subject_id, case.state) == (
        team.workspace, str(made.pk), CaseState.ALLOWED)  # fmt: skip
    assert case.body == f"Our town is in it.\n{url}" and case.links == [url]
    assert case.author_name == "Ann"
    assert case.author_key == author_key_for(team.workspace, "Ann")
    assert case.address_key == address_key_for("198.51.100.7")
    assert curator_sees(team, api, topic, made)
    # A visitor who gives no name is known by their client address.
    other = page_server.add("/other", ARTICLE_HTML.replace("Rivers are rising", "Other"))
    suggest(topic, other, address="198.51.100.8")
    nameless = Case.objects.exclude(pk=case.pk).get()
    assert nameless.author_key == author_key_for(team.workspace, "198.51.100.8")


def test_a_held_suggestion_waits_for_approval(
    team: Any, api: Api, topic: Any, page_server: Any
) -> None:
    do_create_rule(editor_of(team), "words", "hold", "casino")
    url = page_server.add("/bonus", ARTICLE_HTML)
    suggest(topic, url, name="Max", note="Best casino bonus")
    made = Suggestion.objects.get(topic=topic)
    case = Case.objects.get(subject_id=str(made.pk))
    assert case.state == CaseState.HELD
    assert not curator_sees(team, api, topic, made)
    assert "New (0)" in curator_page(team, topic)  # not counted either
    queue = team.client(team.editor).get("/app/acme/moderation/?subject=suggestion")
    assert f'data-case="{case.pk}"' in queue.content.decode()
    # The curator cannot decide on it before it is approved either.
    scoop = team.client(team.contributor).post(
        f"/app/acme/topics/{topic.slug}/suggestions/{made.pk}/scoop/", {"insight": ""}
    )
    assert scoop.status_code == 404

    do_decide(editor_of(team), [case.pk], "approve")
    assert curator_sees(team, api, topic, made)
    assert "New (1)" in curator_page(team, topic)


@pytest.mark.parametrize("decision", ["reject", "spam"])
def test_a_rejected_or_spam_suggestion_is_not_shown(team: Any, api: Api, topic: Any, page_server: Any,
                                                     decision: str) -> None:  # fmt: skip
    do_create_rule(editor_of(team), "words", "hold", "casino")
    suggest(topic, page_server.add("/bonus", ARTICLE_HTML), name="Max", note="casino")
    made = Suggestion.objects.get(topic=topic)
    do_decide(editor_of(team), [Case.objects.get().pk], decision)
    assert not curator_sees(team, api, topic, made)


def test_a_blocked_authors_suggestion_is_never_shown(team: Any, api: Api, topic: Any,
                                                      page_server: Any) -> None:  # fmt: skip
    first_url = page_server.add("/first", ARTICLE_HTML)
    suggest(topic, first_url, name="Spammer", note="Look", address="203.0.113.9")
    first = Suggestion.objects.get(topic=topic)
    assert curator_sees(team, api, topic, first)
    do_decide(editor_of(team), [Case.objects.get(subject_id=str(first.pk)).pk], "block_author")
    assert not curator_sees(team, api, topic, first)

    second_url = page_server.add("/second", ARTICLE_HTML.replace("Rivers are rising", "Again"))
    sent = suggest(topic, second_url, name="spammer ", note="Look again", address="203.0.113.10")
    assert sent["Location"].endswith("?thanks=new")  # the visitor is thanked all the same
    second = Suggestion.objects.get(topic=topic, url=second_url)
    assert Case.objects.get(subject_id=str(second.pk)).state == CaseState.BLOCKED
    assert not curator_sees(team, api, topic, second)


def test_suggestions_never_judged_stay_shown(team: Any, api: Api, topic: Any) -> None:
    """Suggestions from before moderation, and those from feeds, have no case: shown."""
    old = Suggestion.objects.create(topic=topic, story_key="//old.example/a",
                                    url="https://old.example/a", from_visitor=True,
                                    visitor_name="Early")  # fmt: skip
    assert curator_sees(team, api, topic, old)
