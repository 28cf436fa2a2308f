"""Moderation in the REST API: the review queue, one case with why it was judged so, decisions
(one or many at once) and their undo, the rules, the blocked authors and the audit log.

Any member reads; editors and owners (with a write token) decide, undo, unblock and change
rules, through `outlier.moderation.actions` as the screens do. Bad input is a 400 with the
check's message (a body of the wrong shape: 422); cases, rules and blocked authors of another
workspace answer 404.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from outlier.api.auth import membership
from outlier.moderation import actions, learning, queries
from outlier.moderation.judging import WHY_SHOWN
from outlier.moderation.models import AuditEntry, BlockedAuthor, Case, Rule
from outlier.moderation.queries import QUEUE_VIEWS

router = Router(tags=["moderation"])

MAX_PAGE = 200


# --- shapes -----------------------------------------------------------------------------------


class RuleRef(Schema):
    id: int
    kind: str
    action: str


class CaseOut(Schema):
    id: int
    subject: Literal["comment", "inbox", "suggestion"]
    subject_id: str  # the id of the text in its own app
    state: str  # allowed, held, flagged, approved, rejected, spam, blocked
    visible: bool  # whether the text is shown (allowed, flagged or approved)
    body: str  # plain text as received: escape it before showing it as HTML
    author_name: str
    author_url: str
    links: list[str]
    language: str
    reason: str
    rule: RuleRef | None
    spam_score: float  # 0–1, from the workspace's spam model when the text was judged
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None  # the e-mail address of whoever decided
    overdue: bool  # waiting (held or flagged) for more than 4 hours
    alerted_at: datetime | None  # when the editors were e-mailed about it


class SpamFeatureOut(Schema):
    feature: str
    label: str
    weight: float  # how far it pushes the score toward spam (log-odds)


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str | None  # an e-mail address; null: Outlier itself (judging)
    action: str
    case: int | None
    rule: int | None
    label: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    batch: uuid.UUID


class CaseDetailOut(CaseOut):
    why: list[SpamFeatureOut]  # the spam model's features pushing this text most toward spam, now
    history: list[AuditOut]  # the case's audit entries, newest first


class QueueQuery(Schema):
    subject: Literal["comment", "inbox", "suggestion"] | None = None
    state: Literal["waiting", "held", "flagged", "decided"] = "waiting"
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0)


class QueueOut(Schema):
    count: int  # the cases in this view, all pages
    waiting: int  # held and flagged, whatever the filters
    overdue: int  # of those, waiting more than 4 hours
    oldest: datetime | None  # when the oldest waiting case arrived
    items: list[CaseOut]


class ModerationDecisionIn(Schema):
    case_ids: list[int] = Field(..., max_length=actions.MAX_BATCH)
    decision: str = Field(..., description="approve, reject, spam or block_author")


class DecidedOut(Schema):
    batch: uuid.UUID  # give it to POST /moderation/undo
    count: int  # cases changed (a blocked author's other waiting texts included)
    ignored: int  # ids that are not cases of this workspace
    unchanged: int  # cases that already stood on this decision


class UndoIn(Schema):
    batch: uuid.UUID


class UndoneOut(Schema):
    batch: uuid.UUID
    count: int  # cases restored


class ModerationRuleOut(Schema):
    id: int
    kind: str  # words, regex, links, domain, new_author, rate, language
    action: str  # block, hold, flag
    value: str  # as it was checked and normalised
    enabled: bool
    created_at: datetime
    updated_at: datetime


class ModerationRuleIn(Schema):
    kind: str
    action: str
    value: str = ""
    enabled: bool = True


class ModerationRulePatch(Schema):
    kind: str | None = None
    action: str | None = None
    value: str | None = None
    enabled: bool | None = None


class BlockedOut(Schema):
    id: int
    label: str  # the author's name when they were blocked
    created_at: datetime
    created_by: str | None


class UnblockedOut(Schema):
    batch: uuid.UUID  # give it to POST /moderation/undo to block them again


class AuditQuery(Schema):
    case: int | None = None
    limit: int = Field(queries.AUDIT_LIMIT, ge=1, le=queries.MAX_AUDIT_LIMIT)


def _email(user: Any) -> str | None:
    return user.email if user is not None else None


def case_out(case: Case, now: datetime | None = None) -> dict[str, Any]:
    rule = case.rule
    return {
        "id": case.pk, "subject": case.subject, "subject_id": case.subject_id,
        "state": case.state, "visible": case.visible, "body": case.body,
        "author_name": case.author_name, "author_url": case.author_url,
        "links": [str(link) for link in case.links or ()], "language": case.language,
        "reason": case.reason,
        "rule": {"id": rule.pk, "kind": rule.kind, "action": rule.action} if rule else None,
        "spam_score": case.spam_score, "created_at": case.created_at,
        "decided_at": case.decided_at, "decided_by": _email(case.decided_by),
        "overdue": queries.is_overdue(case, now), "alerted_at": case.alerted_at,
    }  # fmt: skip


def audit_out(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.pk, "at": entry.at, "actor": _email(entry.actor), "action": entry.action,
        "case": entry.case_id, "rule": entry.rule_id, "label": entry.label,
        "before": entry.before, "after": entry.after, "batch": entry.batch,
    }  # fmt: skip


def rule_out(rule: Rule) -> dict[str, Any]:
    return {"id": rule.pk, "kind": rule.kind, "action": rule.action, "value": rule.value,
            "enabled": rule.enabled, "created_at": rule.created_at,
            "updated_at": rule.updated_at}  # fmt: skip


def blocked_out(blocked: BlockedAuthor) -> dict[str, Any]:
    return {"id": blocked.pk, "label": blocked.label, "created_at": blocked.created_at,
            "created_by": _email(blocked.created_by)}  # fmt: skip


# --- the queue and its cases -----------------------------------------------------------------


@router.get("/moderation/queue", response=QueueOut, summary="The review queue",
            description="Held and flagged texts of every subject, oldest first (`state`: "
                        "waiting, held, flagged; `decided`: the decisions, newest first), "
                        "optionally of one subject.")  # fmt: skip
def list_queue(request: HttpRequest, q: Query[QueueQuery]) -> dict[str, Any]:
    member = membership(request)
    cases = queries.queue(member.workspace, subject=q.subject, states=QUEUE_VIEWS[q.state],
                          oldest_first=q.state != "decided")  # fmt: skip
    waiting = queries.waiting(member.workspace)
    page = list(cases[q.offset : q.offset + q.limit])
    return {"count": cases.count(), "waiting": waiting.count, "overdue": waiting.overdue,
            "oldest": waiting.oldest, "items": [case_out(case) for case in page]}  # fmt: skip


@router.get("/moderation/cases/{int:case_id}", response=CaseDetailOut,
            summary="Read a case: the text, its verdict, why, and its history")  # fmt: skip
def read_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    member = membership(request)
    case = actions.access_case(member, case_id)
    model = learning.model_for(member.workspace.pk)
    why = [{"feature": r.feature, "label": r.label, "weight": r.weight}
           for r in model.why(case.text, limit=WHY_SHOWN)]  # fmt: skip
    history = [audit_out(e) for e in queries.audit(member.workspace, case_id=case.pk)]
    return {**case_out(case), "why": why, "history": history}


@router.post("/moderation/decisions", response=DecidedOut,
             summary="Decide on one or many cases (editors)",
             description="approve, reject, spam or block_author, in one transaction. Ids "
                         "that are not cases of this workspace are counted in `ignored` (404 "
                         "when none is). block_author also blocks each author and their "
                         "other waiting texts.")  # fmt: skip
def decide(request: HttpRequest, payload: ModerationDecisionIn) -> dict[str, Any]:
    member = membership(request, write=True)
    done = actions.do_decide(member, payload.case_ids, payload.decision)
    return {"batch": done.batch, "count": done.count, "ignored": done.ignored,
            "unchanged": done.unchanged}  # fmt: skip


@router.post("/moderation/undo", response=UndoneOut,
             summary="Undo a decision or an unblocking (editors)",
             description="Each case goes back to where it stood. 400 when it was undone "
                         "already or a case of it was decided again since; 404 for a batch "
                         "of another workspace.")  # fmt: skip
def undo(request: HttpRequest, payload: UndoIn) -> dict[str, Any]:
    member = membership(request, write=True)
    done = actions.do_undo(member, payload.batch)
    return {"batch": done.batch, "count": done.count}


# --- rules ------------------------------------------------------------------------------------


@router.get("/moderation/rules", response=list[ModerationRuleOut],
            summary="The moderation rules, in the order they are tried among equals")  # fmt: skip
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    return [rule_out(rule) for rule in queries.rules(membership(request).workspace)]


@router.post("/moderation/rules", response={201: ModerationRuleOut},
             summary="Add a rule; it judges the texts that arrive from now on (editors)")  # fmt: skip
def create_rule(request: HttpRequest, payload: ModerationRuleIn) -> Status[dict[str, Any]]:
    """400 naming the field (`kind`, `action` or `value`) with the check's message when the
    rule does not check; nothing stored."""
    member = membership(request, write=True)
    rule = actions.do_create_rule(member, payload.kind, payload.action, payload.value,
                                  enabled=payload.enabled)  # fmt: skip
    return Status(201, rule_out(rule))


@router.get("/moderation/rules/{int:rule_id}", response=ModerationRuleOut, summary="Read a rule")
def read_rule(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    return rule_out(actions.access_rule(membership(request), rule_id))


@router.patch("/moderation/rules/{int:rule_id}", response=ModerationRuleOut,
              summary="Change a rule; what is left out stays as it is (editors)")  # fmt: skip
def update_rule(request: HttpRequest, rule_id: int, payload: ModerationRulePatch) -> dict[str, Any]:
    """The whole rule is checked again: 400 with the check's message, nothing changed."""
    member = membership(request, write=True)
    rule = actions.do_update_rule(member, rule_id, kind=payload.kind, action=payload.action,
                                  value=payload.value, enabled=payload.enabled)  # fmt: skip
    return rule_out(rule)


@router.delete("/moderation/rules/{int:rule_id}", response={204: None},
               summary="Delete a rule; the texts it judged keep their state (editors)")  # fmt: skip
def delete_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    actions.do_delete_rule(membership(request, write=True), rule_id)
    return Status(204, None)


# --- blocked authors and the audit log ----------------------------------------------------------


@router.get("/moderation/blocked", response=list[BlockedOut],
            summary="The blocked authors, newest first")  # fmt: skip
def list_blocked(request: HttpRequest) -> list[dict[str, Any]]:
    found = queries.blocked_authors(membership(request).workspace).select_related("created_by")
    return [blocked_out(blocked) for blocked in found]


@router.delete("/moderation/blocked/{int:blocked_id}", response=UnblockedOut,
               summary="Unblock an author (editors)",
               description="Their next texts are judged like anyone's; their blocked texts "
                           "stay as they are. The batch undoes it.")  # fmt: skip
def unblock(request: HttpRequest, blocked_id: int) -> dict[str, Any]:
    return {"batch": actions.do_unblock_author(membership(request, write=True), blocked_id)}


@router.get("/moderation/audit", response=list[AuditOut],
            summary="The audit log, newest first (optionally of one case)")  # fmt: skip
def list_audit(request: HttpRequest, q: Query[AuditQuery]) -> list[dict[str, Any]]:
    entries = queries.audit(membership(request).workspace, case_id=q.case, limit=q.limit)
    return [audit_out(entry) for entry in entries]
