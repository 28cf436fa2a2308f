"""The moderation screens: the review queue (every subject, filters, bulk and per-text
decisions, undo, keyboard), the rules, the blocked authors and the audit log.

Any member reads; editors and owners decide, undo, unblock and change rules: a POST by a
viewer or a contributor is refused (403), and they see no buttons. Cases, rules and blocked
authors of another workspace answer 404. The writes are `actions`', the reads `queries`'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from outlier.core.actions import access_workspace, check_role
from outlier.core.authn import request_user
from outlier.core.forms import add_errors
from outlier.core.models import Membership, Role
from outlier.moderation import actions, learning, queries
from outlier.moderation.forms import ACTION_HELP, KIND_HELP, RuleForm
from outlier.moderation.judging import WHY_SHOWN
from outlier.moderation.models import AuditEntry, Case, RuleKind, Subject
from outlier.moderation.spam import Reason

PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 50
DECIDE_ROLE = Role.EDITOR
UNDO_KEY = "moderation_undo"  # the session's last undoable action, shown once

STATES = queries.QUEUE_VIEWS
STATE_LABELS = {"waiting": "Waiting", "held": "Held", "flagged": "Flagged", "decided": "Decided"}
DONE = {
    "approve": "approved",
    "reject": "rejected",
    "spam": "marked spam",
    "block_author": "blocked, and their authors with them",
}


def member_for(request: HttpRequest, ws: str, role: str = Role.VIEWER) -> Membership:
    return access_workspace(request_user(request), ws, role)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def safe_link(url: str) -> str:
    """`url` when it is an http or https address (shown as a link), else "" (shown as text)."""
    value = (url or "").strip()
    return value if value.lower().startswith(("https://", "http://")) else ""


@dataclass(frozen=True)
class Row:
    """A case as the queue shows it."""

    case: Case
    waited: float  # seconds since it was judged (until its decision, once decided)
    overdue: bool
    why: list[Reason]
    website: str  # the author's website when it may be a link, else ""
    links: list[tuple[str, str]]  # (text, link or "")


def _row(case: Case, model: Any, now: datetime) -> Row:
    end = case.decided_at if case.decided_at and not case.waiting else now
    waited = max(0.0, (end - case.created_at).total_seconds())
    return Row(
        case=case, waited=waited,
        overdue=queries.is_overdue(case, now),
        why=model.why(case.text, limit=WHY_SHOWN), website=safe_link(case.author_url),
        links=[(str(link), safe_link(str(link))) for link in case.links or ()],
    )  # fmt: skip


def _filters(request: HttpRequest) -> tuple[str, str]:
    subject = request.GET.get("subject", "")
    state = request.GET.get("state", "waiting")
    return (subject if subject in Subject.values else ""), (state if state in STATES else "waiting")


def _pop_undo(request: HttpRequest) -> dict[str, str] | None:
    undo = request.session.pop(UNDO_KEY, None)
    return undo if isinstance(undo, dict) and undo.get("batch") else None


def _offer_undo(request: HttpRequest, batch: Any, text: str) -> None:
    request.session[UNDO_KEY] = {"batch": str(batch), "text": text}


@login_required
def queue(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    workspace = member.workspace
    subject, state = _filters(request)
    cases = queries.queue(workspace, subject=subject or None, states=STATES[state],
                          oldest_first=state != "decided")  # fmt: skip
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    model = learning.model_for(workspace.pk)
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "membership": member, "workspace": workspace, "tab": "queue",
        "rows": [_row(case, model, now) for case in page], "page": page,
        "subject": subject, "state": state, "subjects": Subject.choices,
        "states": list(STATE_LABELS.items()), "waiting": queries.waiting(workspace, now),
        "overdue_hours": int(queries.OVERDUE.total_seconds() // 3600),
        "can_decide": member.allows(DECIDE_ROLE), "undo": _pop_undo(request),
        "query": query.urlencode(), "here": request.GET.urlencode(), "now": now,
    }  # fmt: skip
    if request.GET.get("partial") == "list":
        context["undo"] = None
        return render(request, "moderation/_queue_list.html", context)
    return render(request, "moderation/queue.html", context)


def _back(request: HttpRequest, ws: str) -> str:
    if request.POST.get("from") == "blocked":
        return reverse("moderation:blocked", args=[ws])
    listing = reverse("moderation:queue", args=[ws])
    back = request.POST.get("query", "")
    return f"{listing}?{QueryDict(back).urlencode()}" if back else listing


@login_required
@require_POST
def decide(request: HttpRequest, ws: str) -> HttpResponse:
    """One decision on the checked texts, or (a text's own button, `item`="decision:id") on
    that one text: approve, reject, spam or block_author."""
    member = member_for(request, ws, DECIDE_ROLE)
    one = request.POST.get("item", "")
    if one:
        decision, _, case_id = one.partition(":")
        ids = [case_id]
    else:
        decision, ids = request.POST.get("decision", ""), request.POST.getlist("cases")
    if not ids:
        messages.error(request, "Select at least one text first.")
        return redirect(_back(request, ws))
    try:
        done = actions.do_decide(member, ids, decision)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_back(request, ws))
    text = f"{_plural(done.count, 'text', 'texts')} {DONE[decision]}."
    if done.unchanged:
        text += f" {_plural(done.unchanged, 'text', 'texts')} already stood so."
    if done.ignored:
        text += f" {_plural(done.ignored, 'id was', 'ids were')} not found."
    if done.count:
        _offer_undo(request, done.batch, text)
    else:
        messages.info(request, text)
    return redirect(_back(request, ws))


@login_required
@require_POST
def undo(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws, DECIDE_ROLE)
    try:
        done = actions.do_undo(member, request.POST.get("batch", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if done.count:
            messages.success(request, f"Undone: {_plural(done.count, 'text is', 'texts are')} "
                                      "back as they were.")  # fmt: skip
        else:
            messages.success(request, "Undone.")
    return redirect(_back(request, ws))


# --- rules --------------------------------------------------------------------------------


@login_required
def rules(request: HttpRequest, ws: str, rule_id: int | None = None) -> HttpResponse:
    """The rules, a form to add one (or change `rule_id`), and what each kind's value means."""
    member = member_for(request, ws)
    rule = actions.access_rule(member, rule_id) if rule_id else None
    form = RuleForm(initial=RuleForm.initial_for(rule) if rule else {"enabled": True})
    status = 200
    if request.method == "POST":
        check_role(member, DECIDE_ROLE)
        verb = request.POST.get("action", "save")
        if verb in ("enable", "disable", "delete"):
            target = actions.access_rule(member, _int(request.POST.get("rule")))
            if verb == "delete":
                actions.do_delete_rule(member, target.pk)
                messages.success(request, f"Rule #{target.pk} deleted.")
            else:
                actions.do_update_rule(member, target.pk, enabled=verb == "enable")
                turned = "on" if verb == "enable" else "off"
                messages.success(request, f"Rule #{target.pk} turned {turned}.")
            return redirect("moderation:rules", ws)
        form = RuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if rule is None:
                    saved = actions.do_create_rule(member, data["kind"], data["action"],
                                                   data["value"], enabled=data["enabled"])  # fmt: skip
                else:
                    saved = actions.do_update_rule(member, rule.pk, kind=data["kind"],
                                                   action=data["action"], value=data["value"],
                                                   enabled=data["enabled"])  # fmt: skip
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Rule #{saved.pk} saved: it judges the texts that "
                                          "arrive from now on.")  # fmt: skip
                return redirect("moderation:rules", ws)
        status = 400
    context = {
        "membership": member, "workspace": member.workspace, "tab": "rules",
        "rules": queries.rules(member.workspace), "form": form, "editing": rule,
        "can_edit": member.allows(DECIDE_ROLE),
        "kinds": [(RuleKind(kind).label, KIND_HELP[kind]) for kind in RuleKind.values],
        "action_help": ACTION_HELP,
    }  # fmt: skip
    return render(request, "moderation/rules.html", context, status=status)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- blocked authors ------------------------------------------------------------------------


@login_required
def blocked(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    if request.method == "POST":
        check_role(member, DECIDE_ROLE)
        batch = actions.do_unblock_author(member, _int(request.POST.get("blocked")))
        _offer_undo(request, batch, "Author unblocked: their next texts are judged like "
                                    "anyone's.")  # fmt: skip
        return redirect("moderation:blocked", ws)
    context = {
        "membership": member, "workspace": member.workspace, "tab": "blocked",
        "blocked": queries.blocked_authors(member.workspace).select_related("created_by"),
        "can_edit": member.allows(DECIDE_ROLE), "undo": _pop_undo(request),
    }  # fmt: skip
    return render(request, "moderation/blocked.html", context)


# --- the audit log --------------------------------------------------------------------------


# Not shown: the entry's own time and actor say when and who; author keys are never shown.
HIDDEN_FIELDS = ("decided_at", "decided_by", "created_at", "created_by", "author_key")


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dict):
        if "label" in value or "id" in value:
            return str(value.get("label") or f"#{value.get('id')}")
        return ", ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    return str(value)


def changes(entry: AuditEntry) -> list[Change]:
    """What an entry changed, field by field: before → after (— for nothing)."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    shown = []
    for field in dict.fromkeys([*before, *after]):
        if field in HIDDEN_FIELDS:
            continue
        was, now = before.get(field), after.get(field)
        if field in before and field in after and was == now:
            continue
        shown.append(Change(field.replace("_", " "), _shown(was), _shown(now)))
    return shown


@login_required
def audit(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    raw = request.GET.get("case", "")
    case_id = int(raw) if raw.isdigit() else None
    page = Paginator(queries.audit_log(member.workspace, case_id=case_id),
                     AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))  # fmt: skip
    context = {
        "membership": member, "workspace": member.workspace, "tab": "audit", "page": page,
        "entries": [(entry, changes(entry)) for entry in page], "case_id": case_id,
    }  # fmt: skip
    return render(request, "moderation/audit.html", context)
