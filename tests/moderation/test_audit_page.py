"""The audit log page: newest first, who, when, the action, what (the label) and before →
after; filtered by case, and paginated."""

from __future__ import annotations

import re
from typing import Any

from outlier.moderation.actions import do_decide, do_undo
from outlier.moderation.models import AuditEntry
from outlier.moderation.views import AUDIT_PAGE_SIZE

from .conftest import held, member, queue_url


def entry_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-entry="(\d+)"', html)]


def test_newest_first_with_who_what_and_before_after(team: Any, holding: Any) -> None:
    case = held(team.workspace, "Please look", name="Ana")
    editor = member(team.workspace, team.editor)
    decided = do_decide(editor, [case.pk], "approve")
    do_undo(editor, decided.batch)
    html = team.client(team.viewer).get(queue_url(team, "audit/")).content.decode()
    expected = list(AuditEntry.objects.order_by("-at", "-pk").values_list("pk", flat=True))
    assert entry_ids(html) == expected and len(expected) == 4  # rule, judged, approved, undone
    rows = html.split('<tr data-entry="')[1:]
    assert "Undone" in rows[0] and "editor@acme.test" in rows[0]
    assert "<small>state:</small> approved → held" in rows[0]
    assert "Approved" in rows[1] and "<small>state:</small> held → approved" in rows[1]
    assert (
        "Judged" in rows[2]
        and "Outlier" in rows[2]
        and "Comment" in rows[2]
        and "by Ana" in rows[2]
    )
    assert "<small>state:</small> — → held" in rows[2]
    assert "Created a rule" in rows[3] and "owner@acme.test" in rows[3]
    assert "<small>kind:</small> — → new_author" in rows[3]
    assert f'href="?case={case.pk}"' in rows[1]


def test_filtered_by_case_and_paginated(team: Any, holding: Any) -> None:
    cases = [held(team.workspace, f"Text {n}") for n in range(AUDIT_PAGE_SIZE + 5)]
    client = team.client(team.viewer)
    one = client.get(queue_url(team, f"audit/?case={cases[3].pk}")).content.decode()
    assert entry_ids(one) == list(AuditEntry.objects.filter(case_id=cases[3].pk)
                                  .values_list("pk", flat=True))  # fmt: skip
    assert len(entry_ids(one)) == 1 and f'value="{cases[3].pk}"' in one

    first = client.get(queue_url(team, "audit/")).content.decode()
    total = AuditEntry.objects.count()
    assert len(entry_ids(first)) == AUDIT_PAGE_SIZE and "Page 1 of 2" in first
    assert 'href="?page=2"' in first
    second = client.get(queue_url(team, "audit/?page=2")).content.decode()
    assert len(entry_ids(second)) == total - AUDIT_PAGE_SIZE
    assert set(entry_ids(first)).isdisjoint(entry_ids(second))
    assert min(entry_ids(first)) > max(entry_ids(second))  # newest first across pages
    assert client.get(queue_url(team, "audit/?page=zz&case=abc")).status_code == 200
