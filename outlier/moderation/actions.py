"""Moderators' writes: decisions on cases (one or many at once), undo, blocked authors, rules.

Views, the REST API and the CLI all come through here. Every write needs the editor role or
higher, touches only the member's workspace, runs in one transaction and leaves audit
entries (one per case or rule, those of one call sharing a batch id, which `do_undo` takes).
Texts are judged by `outlier.moderation.judging.judge`, which the apps above call.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from outlier.core.models import Membership, Role
from outlier.moderation import learning
from outlier.moderation.audit import Batch
from outlier.moderation.models import (
    QUEUE_STATES,
    AuditAction,
    AuditEntry,
    BlockedAuthor,
    Case,
    CaseState,
    Rule,
    RuleAction,
    RuleKind,
)
from outlier.moderation.rules import check_rule

MAX_BATCH = 500  # cases decided in one call
MAX_RULES = 200  # rules in one workspace

DECISIONS = {
    "approve": (CaseState.APPROVED, AuditAction.APPROVED),
    "reject": (CaseState.REJECTED, AuditAction.REJECTED),
    "spam": (CaseState.SPAM, AuditAction.SPAM),
    "block_author": (CaseState.BLOCKED, AuditAction.BLOCKED_AUTHOR),
}
UNDOABLE = {
    AuditAction.APPROVED,
    AuditAction.REJECTED,
    AuditAction.SPAM,
    AuditAction.BLOCKED_AUTHOR,
    AuditAction.UNBLOCKED_AUTHOR,
}


@dataclass(frozen=True)
class Decided:
    """What `do_decide` did: its batch (for `do_undo`), the cases it changed (a blocked
    author's other waiting cases included), the ids that are not cases of the workspace, and
    the cases that already stood on that decision."""

    batch: uuid.UUID
    count: int
    ignored: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Undone:
    """What `do_undo` did: the batch of its "undone" entries and the cases it restored."""

    batch: uuid.UUID
    count: int


def _require_editor(membership: Membership, what: str) -> None:
    if not membership.allows(Role.EDITOR):
        raise PermissionDenied(f"{what} needs the editor role or higher.")


def _ids(values: Iterable[Any], what: str = "case") -> list[int]:
    ids: set[int] = set()
    for value in values:
        try:
            ids.add(int(value))
        except (TypeError, ValueError) as error:
            raise ValidationError({"case_ids": f"“{value}” is not a {what} id."}) from error
    if not ids:
        raise ValidationError({"case_ids": f"Choose at least one {what}."})
    if len(ids) > MAX_BATCH:
        raise ValidationError({"case_ids": f"Decide at most {MAX_BATCH} cases at once."})
    return sorted(ids)


# --- access --------------------------------------------------------------------------------


def access_case(membership: Membership, case_id: int, role: str = Role.VIEWER) -> Case:
    if not membership.allows(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role or higher.")
    case = (
        Case.objects.select_related("rule", "decided_by")
        .filter(pk=case_id, workspace=membership.workspace)
        .first()
    )
    if case is None:
        raise Http404("No such case in this workspace.")
    return case


def access_rule(membership: Membership, rule_id: int, role: str = Role.VIEWER) -> Rule:
    if not membership.allows(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role or higher.")
    rule = Rule.objects.filter(pk=rule_id, workspace=membership.workspace).first()
    if rule is None:
        raise Http404("No such rule in this workspace.")
    return rule


# --- decisions -----------------------------------------------------------------------------


def _standing(case: Case) -> dict[str, Any]:
    """A case's decision, as the audit log keeps it and undo restores it."""
    return {
        "state": case.state,
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "decided_by": case.decided_by_id,
    }


def _teaches(state: str, decided_at: datetime | str | None) -> bool | None:
    if decided_at is None:
        return None
    return learning.LEARNED_STATES.get(CaseState(state))


def do_decide(membership: Membership, case_ids: Iterable[Any], decision: str) -> Decided:
    """Decide `case_ids` (approve | reject | spam | block_author), all in one transaction.

    Ids that are not cases of the member's workspace are ignored and counted; when none is,
    Http404. approve teaches the spam model "not spam", spam and block_author "spam", reject
    nothing (off-topic is not spam). block_author also blocks each case's author (their next
    texts are blocked when judged) and blocks that author's other held or flagged cases.
    """
    _require_editor(membership, "Moderating")
    if decision not in DECISIONS:
        raise ValidationError(
            {"decision": f"“{decision}” is not a decision: approve, reject, spam or block_author."}
        )
    target, audit_action = DECISIONS[decision]
    ids = _ids(case_ids)
    workspace = membership.workspace
    with transaction.atomic():
        # The model's row first, then the time: decisions are stamped in the order they are
        # learnt (learning.py), and every writer takes the locks in this order.
        state = learning.locked_state(workspace.pk)
        now = timezone.now()
        batch = Batch(workspace.pk, membership.user_id, at=now)
        chosen = list(Case.objects.select_for_update().filter(workspace=workspace, pk__in=ids))
        if not chosen:
            raise Http404("None of these cases is in this workspace.")
        ignored = len(ids) - len(chosen)
        cases = chosen
        blocks: dict[str, dict[str, Any]] = {}
        if decision == "block_author":
            for case in sorted(chosen, key=lambda case: case.pk):
                if case.author_key in blocks:
                    continue
                blocked, created = BlockedAuthor.objects.get_or_create(
                    workspace=workspace,
                    author_key=case.author_key,
                    defaults={
                        "label": case.author_name,
                        "created_by_id": membership.user_id,
                        "created_at": now,
                    },
                )
                blocks[case.author_key] = {
                    "id": blocked.pk,
                    "label": blocked.label,
                    "created": created,
                }
            others = Case.objects.select_for_update().filter(
                workspace=workspace, author_key__in=list(blocks), state__in=QUEUE_STATES
            )
            cases = chosen + list(others.exclude(pk__in=[case.pk for case in chosen]))
        cases.sort(key=lambda case: case.pk)

        changed: list[Case] = []
        relearn = False
        for case in cases:
            block = blocks.get(case.author_key)
            same = case.state == target and case.decided_at is not None
            if same and not (block and block["created"]):
                continue
            before = _standing(case)
            relearn = relearn or _teaches(case.state, case.decided_at) is not None
            case.state, case.decided_at, case.decided_by_id = target, now, membership.user_id
            after: dict[str, Any] = _standing(case)
            if block is not None:
                after["blocked_author"] = block
            batch.add(audit_action, case.label, case_id=case.pk, before=before, after=after)
            changed.append(case)
        Case.objects.bulk_update(changed, ["state", "decided_at", "decided_by"])
        batch.write()

        if relearn:  # a case that stood on an earlier decision: the model is made again
            learning.rebuild(state)
        elif target in learning.LEARNED_STATES:
            is_spam = learning.LEARNED_STATES[target]
            learning.learn(state, [(case.text, is_spam) for case in changed])
    return Decided(batch.id, len(changed), ignored, len(cases) - len(changed))


def _parse_time(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def do_undo(membership: Membership, batch: uuid.UUID | str) -> Undone:
    """Undo one decision (a `Decided.batch`) or an unblocking: each case goes back to the
    decision it stood on before, a blocked author that decision made is unblocked (an
    unblocked one blocked again), and the spam model is made again without it.

    Refused (ValidationError) when the batch was undone already, when a case of it was
    decided again since (undo that first), and for what cannot be undone (judging, an undo,
    rule changes: change the rule again instead)."""
    _require_editor(membership, "Undoing a decision")
    try:
        batch_id = uuid.UUID(str(batch))
    except ValueError as error:
        raise Http404("No such decision in this workspace.") from error
    workspace = membership.workspace
    with transaction.atomic():
        state = learning.locked_state(workspace.pk)
        entries = list(
            AuditEntry.objects.filter(workspace=workspace, batch=batch_id).order_by("pk")
        )
        if not entries:
            raise Http404("No such decision in this workspace.")
        actions = {entry.action for entry in entries}
        if AuditAction.UNDONE in actions:
            raise ValidationError("An undo cannot itself be undone: decide again instead.")
        if not actions <= UNDOABLE:
            raise ValidationError(
                "Only decisions and unblocking can be undone; change a rule again instead."
            )
        case_ids = sorted({entry.case_id for entry in entries if entry.case_id is not None})
        cases = {
            case.pk: case
            for case in Case.objects.select_for_update().filter(
                workspace=workspace, pk__in=case_ids
            )
        }
        undone = AuditEntry.objects.filter(
            workspace=workspace, action=AuditAction.UNDONE, after__undoes=str(batch_id)
        ).first()
        if undone is not None:
            raise ValidationError(
                f"This was already undone ({undone.at:%Y-%m-%d %H:%M} UTC); it cannot be "
                "undone twice."
            )
        last = entries[-1].pk
        later = list(
            AuditEntry.objects.filter(workspace=workspace, case_id__in=case_ids, pk__gt=last)
            .exclude(action=AuditAction.JUDGED)
            .order_by("pk")
        )
        undone_since = {
            str(entry.after.get("undoes"))
            for entry in later
            if entry.action == AuditAction.UNDONE and isinstance(entry.after, dict)
        }
        for entry in later:
            if entry.action != AuditAction.UNDONE and str(entry.batch) not in undone_since:
                raise ValidationError(
                    f"Case #{entry.case_id} was decided again after this; undo that first."
                )

        now = timezone.now()
        out = Batch(workspace.pk, membership.user_id, at=now)
        named = [
            entry.before.get(key)
            for entry in entries
            if isinstance(entry.before, dict)
            for key in ("decided_by", "created_by")
        ]
        users = set(  # people since deleted are restored as None
            get_user_model()
            .objects.filter(pk__in=[pk for pk in named if isinstance(pk, int)])
            .values_list("pk", flat=True)
        )
        relearn = False
        restored: list[Case] = []
        unblocked: set[int] = set()
        for entry in entries:
            after = entry.after if isinstance(entry.after, dict) else {}
            before = entry.before if isinstance(entry.before, dict) else {}
            block = after.get("blocked_author")
            if isinstance(block, dict) and block.get("created") and block["id"] not in unblocked:
                BlockedAuthor.objects.filter(workspace=workspace, pk=block["id"]).delete()
                unblocked.add(block["id"])
            if entry.action == AuditAction.UNBLOCKED_AUTHOR:
                again, _ = BlockedAuthor.objects.get_or_create(
                    workspace=workspace,
                    author_key=before["author_key"],
                    defaults={
                        "label": before.get("label", ""),
                        "created_by_id": (
                            before["created_by"] if before.get("created_by") in users else None
                        ),
                        "created_at": _parse_time(before.get("created_at")) or now,
                    },
                )
                out.add(
                    AuditAction.UNDONE,
                    f"Blocked {again.label or 'an author'} again",
                    after={"undoes": str(batch_id), "blocked_author": {"id": again.pk}},
                )
                continue
            case = cases.get(entry.case_id) if entry.case_id is not None else None
            if case is None or "state" not in before:
                continue
            was = _standing(case)
            relearn = relearn or _teaches(case.state, case.decided_at) is not None
            case.state = before["state"]
            case.decided_at = _parse_time(before.get("decided_at"))
            decided_by = before.get("decided_by")
            case.decided_by_id = decided_by if decided_by in users else None
            relearn = relearn or _teaches(case.state, case.decided_at) is not None
            out.add(
                AuditAction.UNDONE,
                case.label,
                case_id=case.pk,
                before=was,
                after={**_standing(case), "undoes": str(batch_id)},
            )
            restored.append(case)
        Case.objects.bulk_update(restored, ["state", "decided_at", "decided_by"])
        if not out.entries:  # nothing left to restore; still mark the batch undone
            out.add(AuditAction.UNDONE, "Nothing left to restore", after={"undoes": str(batch_id)})
        out.write()
        if relearn:
            learning.rebuild(state)
    return Undone(out.id, len(restored))


# --- blocked authors -----------------------------------------------------------------------


def do_unblock_author(membership: Membership, blocked_id: int) -> uuid.UUID:
    """Unblock an author (their next texts are judged like anyone's; their blocked cases
    stay as they are). Returns the batch, which `do_undo` takes."""
    _require_editor(membership, "Unblocking an author")
    workspace = membership.workspace
    with transaction.atomic():
        blocked = (
            BlockedAuthor.objects.select_for_update()
            .filter(workspace=workspace, pk=blocked_id)
            .first()
        )
        if blocked is None:
            raise Http404("No such blocked author in this workspace.")
        batch = Batch(workspace.pk, membership.user_id)
        batch.add(
            AuditAction.UNBLOCKED_AUTHOR,
            f"Unblocked {blocked.label or 'an author'}",
            before={
                "id": blocked.pk,
                "author_key": blocked.author_key,
                "label": blocked.label,
                "created_by": blocked.created_by_id,
                "created_at": blocked.created_at.isoformat(),
            },
        )
        blocked.delete()
        batch.write()
    return batch.id


# --- rules ---------------------------------------------------------------------------------


def _rule_label(rule: Rule) -> str:
    return f"Rule #{rule.pk}: {RuleKind(rule.kind).label.lower()}, {RuleAction(rule.action).label.lower()}"


def do_create_rule(
    membership: Membership, kind: str, action: str, value: str = "", *, enabled: bool = True
) -> Rule:
    _require_editor(membership, "Creating a rule")
    kind, action, value = check_rule(kind, action, value)
    workspace = membership.workspace
    with transaction.atomic():
        if Rule.objects.filter(workspace=workspace).count() >= MAX_RULES:
            raise ValidationError(f"A workspace has at most {MAX_RULES} rules; delete one first.")
        rule = Rule.objects.create(
            workspace=workspace,
            kind=kind,
            action=action,
            value=value,
            enabled=bool(enabled),
            created_by_id=membership.user_id,
        )
        batch = Batch(workspace.pk, membership.user_id)
        batch.add(
            AuditAction.RULE_CREATED, _rule_label(rule), rule_id=rule.pk, after=rule.as_dict()
        )
        batch.write()
    return rule


def do_update_rule(
    membership: Membership,
    rule_id: int,
    *,
    kind: str | None = None,
    action: str | None = None,
    value: str | None = None,
    enabled: bool | None = None,
) -> Rule:
    """Change what is given (None: keep it); the whole rule is checked again."""
    _require_editor(membership, "Changing a rule")
    with transaction.atomic():
        rule = (
            Rule.objects.select_for_update()
            .filter(pk=rule_id, workspace=membership.workspace)
            .first()
        )
        if rule is None:
            raise Http404("No such rule in this workspace.")
        before = rule.as_dict()
        rule.kind, rule.action, rule.value = check_rule(
            rule.kind if kind is None else kind,
            rule.action if action is None else action,
            rule.value if value is None else value,
        )
        if enabled is not None:
            rule.enabled = bool(enabled)
        if rule.as_dict() != before:
            rule.save()
            batch = Batch(membership.workspace_id, membership.user_id)
            batch.add(
                AuditAction.RULE_CHANGED,
                _rule_label(rule),
                rule_id=rule.pk,
                before=before,
                after=rule.as_dict(),
            )
            batch.write()
    return rule


def do_delete_rule(membership: Membership, rule_id: int) -> None:
    """Delete a rule; the cases it decided keep their state and reason (their rule is None)."""
    _require_editor(membership, "Deleting a rule")
    with transaction.atomic():
        rule = (
            Rule.objects.select_for_update()
            .filter(pk=rule_id, workspace=membership.workspace)
            .first()
        )
        if rule is None:
            raise Http404("No such rule in this workspace.")
        batch = Batch(membership.workspace_id, membership.user_id)
        batch.add(
            AuditAction.RULE_DELETED, _rule_label(rule), rule_id=rule.pk, before=rule.as_dict()
        )
        rule.delete()
        batch.write()
