"""Judging a text: the one call the apps above make when a comment, an inbox item or a
visitor's suggestion arrives.

    case = judge(workspace, Subject.COMMENT, str(comment.pk), Text(body, name, url),
                 author_key=author_key_for(workspace, email), address_key=address_key_for(ip),
                 language="fr")
    if case.visible: ...  # show it; otherwise it waits in the queue (held) or stays hidden

In order: a blocked author's text is blocked; otherwise the workspace's enabled rules are
tried and the strictest action that fires wins (block > hold > flag; the first rule by id
among equals). Unless a rule blocked or held it, the workspace's spam model then holds the
text when its score reaches `spam.THRESHOLD`. The model's score is always kept. The case
and its "judged" audit entry are written in one transaction; judging the same (subject,
subject_id) again gives back the case as it is, unchanged.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from outlier.core.models import Workspace
from outlier.moderation import learning
from outlier.moderation.audit import Batch
from outlier.moderation.keys import address_key_for, author_key_for
from outlier.moderation.models import (
    BODY_MAX,
    LINKS_MAX,
    NAME_MAX,
    REASON_MAX,
    URL_MAX,
    AuditAction,
    BlockedAuthor,
    Case,
    CaseState,
    Rule,
    RuleAction,
    Subject,
)
from outlier.moderation.rules import Facts, strictest
from outlier.moderation.spam import THRESHOLD, SpamModel, Text

__all__ = ["address_key_for", "author_key_for", "judge", "snapshot"]

WHY_SHOWN = 3  # the model's features named in a reason
_STATE_OF_ACTION = {
    RuleAction.BLOCK: CaseState.BLOCKED,
    RuleAction.HOLD: CaseState.HELD,
    RuleAction.FLAG: CaseState.FLAGGED,
}
_VERB = {CaseState.BLOCKED: "Blocked", CaseState.HELD: "Held", CaseState.FLAGGED: "Flagged"}


def snapshot(text: Text) -> Text:
    """The text as a case keeps it (and as it is judged): each field capped."""
    links = tuple(str(link)[:URL_MAX] for link in text.links if str(link).strip())[:LINKS_MAX]
    return Text(
        (text.body or "")[:BODY_MAX],
        author_name=" ".join((text.author_name or "").split())[:NAME_MAX],
        author_url=(text.author_url or "").strip()[:URL_MAX],
        links=links,
    )


def _model_reason(model: SpamModel, text: Text, score: float) -> str:
    labels = [reason.label for reason in model.why(text, limit=WHY_SHOWN + 1)]
    named = ", ".join(labels[:WHY_SHOWN]) or "its features together"
    end = "…" if len(labels) > WHY_SHOWN else "."
    return f"Held by the spam model (score {score:.2f}): {named}{end}"


def _sentence(*parts: str) -> str:
    text = " ".join(part for part in parts if part)
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def _verdict(
    workspace: Workspace, text: Text, score: float, model: SpamModel, facts: Facts
) -> tuple[str, Rule | None, str]:
    """(state, rule, reason) for a text whose author is not blocked."""
    rules = Rule.objects.filter(workspace=workspace, enabled=True).order_by("pk")
    verdict = strictest(rules, facts)
    notes = " ".join(verdict.notes)
    rule = verdict.rule
    if rule is not None and rule.action in (RuleAction.BLOCK, RuleAction.HOLD):
        state = _STATE_OF_ACTION[RuleAction(rule.action)]
        return state, rule, _sentence(f"{_VERB[state]}: {verdict.phrase} (rule #{rule.pk}).", notes)
    if score >= THRESHOLD:
        also = f"Also flagged: {verdict.phrase} (rule #{rule.pk})." if rule is not None else ""
        return CaseState.HELD, None, _sentence(_model_reason(model, text, score), also, notes)
    if rule is not None:
        return (
            CaseState.FLAGGED,
            rule,
            _sentence(f"Flagged: {verdict.phrase} (rule #{rule.pk}).", notes),
        )
    allowed = f"Allowed: no rule fired and the spam model scored {score:.2f}."
    return CaseState.ALLOWED, None, _sentence(allowed, notes)


def judge(
    workspace: Workspace,
    subject: str,
    subject_id: str,
    text: Text,
    *,
    author_key: str,
    address_key: str = "",
    language: str = "",
    now: datetime | None = None,
) -> Case:
    """Judge one text and keep the case (see the module's docstring); the existing case when
    this (subject, subject_id) was judged before. `author_key` and `address_key` come from
    `author_key_for` and `address_key_for`; `language` is a code such as "en" or "pt-br",
    empty when unknown."""
    if subject not in Subject.values:
        raise ValueError(f"Unknown subject {subject!r}: one of {', '.join(Subject.values)}.")
    subject_id = str(subject_id)
    if not subject_id or len(subject_id) > 64:
        raise ValueError("subject_id must be 1 to 64 characters.")
    if not author_key or len(author_key) > 64 or len(address_key) > 64:
        raise ValueError("author_key (and address_key) come from author_key_for/address_key_for.")
    existing = Case.objects.filter(
        workspace=workspace, subject=subject, subject_id=subject_id
    ).first()
    if existing is not None:
        return existing

    now = now or timezone.now()
    text = snapshot(text)
    language = language.strip().lower().replace("_", "-")[:20]
    model = learning.model_for(workspace.pk)
    score = model.score(text)
    blocked = BlockedAuthor.objects.filter(workspace=workspace, author_key=author_key).first()
    rule: Rule | None = None
    state: str
    if blocked is not None:
        state = CaseState.BLOCKED
        who = f"“{blocked.label}”" if blocked.label else "this author"
        reason = _sentence(f"Blocked: {who} is a blocked author.")
    else:
        facts = Facts(workspace.pk, text, language, author_key, address_key, now)
        state, rule, reason = _verdict(workspace, text, score, model, facts)

    case = Case(
        workspace=workspace,
        subject=subject,
        subject_id=subject_id,
        body=text.body,
        author_name=text.author_name,
        author_url=text.author_url,
        links=list(text.links),
        language=language,
        author_key=author_key,
        address_key=address_key,
        state=state,
        rule=rule,
        reason=reason,
        spam_score=score,
        created_at=now,
    )
    try:
        with transaction.atomic():
            case.save(force_insert=True)
            batch = Batch(workspace.pk, None, at=now)
            batch.add(
                AuditAction.JUDGED,
                case.label,
                case_id=case.pk,
                rule_id=rule.pk if rule is not None else None,
                after={"state": state, "reason": reason, "spam_score": round(score, 4)},
            )
            batch.write()
    except IntegrityError:
        # The same text judged at the same moment by another process: theirs stands.
        existing = Case.objects.filter(
            workspace=workspace, subject=subject, subject_id=subject_id
        ).first()
        if existing is None:
            raise
        return existing
    return case
