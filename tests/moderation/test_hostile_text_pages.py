"""Hostile text in a text's body, its author's name and website renders inert on the queue and
the audit log: escaped, never HTML, and a website that is not http(s) is no link."""

from __future__ import annotations

from typing import Any

from django.utils.html import escape

from outlier.moderation.actions import do_decide

from .conftest import HOSTILE, held, member, queue_url


def assert_inert(html: str) -> None:
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html


def test_hostile_text_renders_inert_on_the_queue_and_the_audit_log(team: Any, holding: Any) -> None:
    case = held(team.workspace, f"Hello {HOSTILE}", name=f"Mallory {HOSTILE}", url=HOSTILE,
                links=("javascript:alert(1)", HOSTILE))  # fmt: skip
    other = held(team.workspace, "Again", name=HOSTILE, url="javascript:alert(1)")
    client = team.client(team.editor)

    queue = client.get(queue_url(team)).content.decode()
    assert_inert(queue)
    assert escape(f"Hello {HOSTILE}") in queue and escape(f"Mallory {HOSTILE}") in queue
    assert f'<span class="website muted" data-website>{escape(HOSTILE)}</span>' in queue
    assert '<span class="website muted" data-website>javascript:alert(1)</span>' in queue

    do_decide(member(team.workspace, team.editor), [case.pk, other.pk], "block_author")
    for page in ("audit/", f"audit/?case={case.pk}", "?state=decided", "blocked/"):
        html = client.get(queue_url(team, page)).content.decode()
        assert_inert(html)
        assert escape(HOSTILE) in html or escape(HOSTILE)[:40] in html, page
