"""The blocked authors page: who is blocked, since when and by whom; unblocking, with an Undo
that blocks them again."""

from __future__ import annotations

from typing import Any

from outlier.moderation.actions import do_decide
from outlier.moderation.models import BlockedAuthor, CaseState

from .conftest import held, judge_text, member, queue_url


def test_unblock_then_undo_from_the_page(team: Any, holding: Any) -> None:
    case = held(team.workspace, "Buy now", author="spam@example.org", name="Spammer")
    do_decide(member(team.workspace, team.editor), [case.pk], "block_author")
    blocked = BlockedAuthor.objects.get()
    client = team.client(team.owner)
    page = client.get(queue_url(team, "blocked/")).content.decode()
    assert f'data-blocked="{blocked.pk}"' in page and "Spammer" in page
    assert "editor@acme.test" in page

    answer = client.post(queue_url(team, "blocked/"), {"blocked": blocked.pk})
    assert answer.status_code == 302 and answer["Location"] == queue_url(team, "blocked/")
    assert not BlockedAuthor.objects.exists()
    page = client.get(answer["Location"]).content.decode()
    assert "Nobody is blocked." in page and "Author unblocked" in page
    assert 'name="from" value="blocked"' in page
    # Their next text is judged like anyone's: the new-author rule holds it, no block.
    assert judge_text(team.workspace, "Hello again", author="spam@example.org").state == (
        CaseState.HELD)  # fmt: skip

    batch = page.split('name="batch" value="')[1].split('"')[0]
    undone = client.post(queue_url(team, "undo/"), {"batch": batch, "from": "blocked"})
    assert undone["Location"] == queue_url(team, "blocked/")
    again = BlockedAuthor.objects.get()
    assert again.label == "Spammer" and again.created_by == team.editor
    assert judge_text(team.workspace, "And again", author="spam@example.org").state == (
        CaseState.BLOCKED)  # fmt: skip


def test_unblocking_someone_unknown_is_404(team: Any) -> None:
    assert team.client(team.editor).post(queue_url(team, "blocked/"),
                                         {"blocked": "999"}).status_code == 404  # fmt: skip
