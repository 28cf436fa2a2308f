"""Everything is audited, and the log is append-only: in the model, in its queryset, and in
the database itself (a trigger refuses UPDATE)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from outlier.core.models import Membership
from outlier.moderation.actions import (
    do_create_rule,
    do_decide,
    do_delete_rule,
    do_unblock_author,
    do_undo,
    do_update_rule,
)
from outlier.moderation.models import AppendOnly, AuditEntry, BlockedAuthor
from outlier.moderation.queries import audit

from .conftest import judge_text


def test_everything_is_audited(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "words", "hold", "casino")
    do_update_rule(editor, rule.pk, action="flag")
    case = judge_text(team.workspace, "Best casino in town", name="Slots")
    decided = do_decide(editor, [case.pk], "block_author")
    do_undo(editor, decided.batch)
    decided = do_decide(editor, [case.pk], "block_author")
    do_unblock_author(editor, BlockedAuthor.objects.get().pk)
    do_delete_rule(editor, rule.pk)

    entries = audit(team.workspace)
    assert [entry.action for entry in entries] == [
        "rule_deleted", "unblocked_author", "blocked_author", "undone", "blocked_author",
        "judged", "rule_changed", "rule_created",
    ]  # fmt: skip
    judged = entries[5]
    assert judged.actor is None and judged.case_id == case.pk and judged.rule_id == rule.pk
    assert judged.after["state"] == "flagged" and "casino" in judged.label
    assert all(entry.actor == team.editor for entry in entries if entry.action != "judged")
    changed = entries[6]
    assert changed.before["action"] == "hold" and changed.after["action"] == "flag"
    blocked = entries[2]
    assert blocked.before["state"] == "flagged" and blocked.after["state"] == "blocked"
    assert blocked.batch == decided.batch
    assert entries[0].before["value"] == "casino" and entries[0].rule_id == rule.pk
    assert [entry.action for entry in audit(team.workspace, case_id=case.pk)] == [
        "blocked_author", "undone", "blocked_author", "judged",
    ]  # fmt: skip
    assert len(audit(team.workspace, limit=2)) == 2
    assert audit(team.other_workspace) == []


def test_the_database_refuses_to_update_an_entry(team: Any) -> None:
    case = judge_text(team.workspace, "Thanks!")
    entry = AuditEntry.objects.get(case_id=case.pk)
    assert AuditEntry._meta.db_table == "moderation_auditentry"
    for sql in [
        "UPDATE moderation_auditentry SET label = 'rewritten' WHERE id = %s",
        "UPDATE moderation_auditentry SET action = 'approved', actor_id = NULL WHERE id = %s",
    ]:
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.label.startswith("Comment") and entry.action == "judged"


def test_the_model_and_its_queryset_refuse_changes_and_deletes(team: Any) -> None:
    case = judge_text(team.workspace, "Thanks!")
    entry = AuditEntry.objects.get(case_id=case.pk)
    entry.label = "rewritten"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(label="rewritten")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).label != "rewritten"


def test_deleting_a_user_keeps_their_entries(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "words", "hold", "casino")
    team.editor.delete()
    entry = AuditEntry.objects.get(rule_id=rule.pk)
    assert entry.actor is None and entry.action == "rule_created"


def test_deleting_the_workspace_deletes_its_log(team: Any, editor: Membership) -> None:
    judge_text(team.workspace, "Thanks!")
    judge_text(team.other_workspace, "Thanks!")
    team.workspace.delete()
    assert list(AuditEntry.objects.values_list("workspace_id", flat=True)) == [
        team.other_workspace.pk
    ]
