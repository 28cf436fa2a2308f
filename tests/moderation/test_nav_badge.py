"""The navigation's badge: how many texts wait for review in the page's workspace, on every
workspace page, from one query made once per request (and none when no page shows it)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from outlier.moderation.context import waiting
from outlier.moderation.queries import Waiting

from .conftest import held, judge_text


def badge(html: str) -> re.Match[str]:
    found = re.search(r'<span class="nav-badge( late)?" data-moderation-waiting( hidden)?[^>]*>'
                      r"([^<]*)</span>", html)  # fmt: skip
    assert found, html
    return found


def test_the_badge_counts_the_waiting_texts_on_every_workspace_page(
    team: Any, holding: Any
) -> None:
    client = team.client(team.viewer)
    empty = badge(client.get("/app/acme/inbox/").content.decode())
    assert empty.group(2) == " hidden" and empty.group(3) == ""
    held(team.workspace, "One", now=timezone.now() - timedelta(hours=1))
    held(team.workspace, "Two")
    judge_text(team.other_workspace, "Elsewhere")
    for page in ("/app/acme/inbox/", "/app/acme/moderation/rules/", "/app/acme/moderation/"):
        shown = badge(client.get(page).content.decode())
        assert (shown.group(1), shown.group(2), shown.group(3)) == (None, None, "2"), page
    held(team.workspace, "Old", now=timezone.now() - timedelta(hours=5))
    late = badge(client.get("/app/acme/inbox/").content.decode())
    assert late.group(1) == " late" and late.group(3) == "3"
    assert 'aria-label="waiting for review, 1 over 4 hours"' in client.get(
        "/app/acme/inbox/").content.decode()  # fmt: skip
    # The other workspace's members see their own count.
    theirs = badge(team.client(team.outsider).get("/app/rival/inbox/").content.decode())
    assert theirs.group(3) == "" and theirs.group(2) == " hidden"


def test_one_query_per_request_and_only_when_shown(team: Any, holding: Any) -> None:
    held(team.workspace, "One")
    request = RequestFactory().get("/app/acme/moderation/")
    request.user = team.editor
    request.resolver_match = resolve("/app/acme/moderation/")
    with CaptureQueriesContext(connection) as queries:
        first = waiting(request)["moderation_waiting"]
        second = waiting(request)["moderation_waiting"]  # another template of the same request
        assert len(queries) == 0  # nothing asked yet
        assert (first.count, second.count, first.overdue) == (1, 1, 0)
        assert str(second.count) == "1"
    assert len(queries) == 1 and "moderation_case" in queries[0]["sql"]
    assert isinstance(request._moderation_waiting, Waiting)


def test_no_badge_for_outsiders_or_pages_without_a_workspace(team: Any, holding: Any) -> None:
    held(team.workspace, "One")
    request = RequestFactory().get("/app/acme/moderation/")
    request.user = team.outsider
    request.resolver_match = resolve("/app/acme/moderation/")
    assert waiting(request)["moderation_waiting"].count == 0
    home = RequestFactory().get("/")
    home.user = team.editor
    home.resolver_match = resolve("/")
    assert waiting(home) == {}
