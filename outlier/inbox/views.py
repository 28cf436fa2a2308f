"""The inbox screens: the list (filters, search, bulk actions, keyboard), one item with its
conversation and reply box, the rules, the saved replies and the response report. Any member
reads; contributors and above work items; editors and owners manage rules and saved replies.
Items of another workspace answer 404."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from outlier.core.actions import access_workspace, check_role
from outlier.core.authn import request_user
from outlier.core.forms import add_errors
from outlier.core.models import Membership, Role
from outlier.inbox import actions, engage, queries, replies, responses, rules
from outlier.inbox.forms import FilterForm, ReplyForm, RuleForm, SavedReplyForm, SnoozeForm
from outlier.inbox.models import EngageAction, InboxRule, Interaction, Priority, SavedReply
from outlier.publishing import content

PAGE_SIZE = 50


def member_for(request: HttpRequest, ws: str, role: str = Role.VIEWER) -> Membership:
    return access_workspace(request_user(request), ws, role)


def assignable(member: Membership) -> list[tuple[str, str]]:
    rows = Membership.objects.filter(workspace=member.workspace).exclude(role=Role.VIEWER)
    return [
        (str(m.user_id), str(m.user)) for m in rows.select_related("user").order_by("user__email")
    ]


def _before(raw: str) -> tuple[datetime, int] | None:
    """The keyset of the next page: "<ISO time>_<id>"."""
    at, _, pk = raw.rpartition("_")
    when = parse_datetime(at) if at else None
    return (when, int(pk)) if when is not None and pk.isdigit() else None


def _listing(request: HttpRequest, member: Membership) -> dict[str, Any]:
    wid = member.workspace.pk
    filters = FilterForm(request.GET or None, workspace_id=wid, members=assignable(member))
    wanted = filters.filters()
    rows = queries.items(wid, wanted, member.user_id)
    found, after = queries.page(rows, PAGE_SIZE, _before(request.GET.get("before", "")))
    query = request.GET.copy()
    query.pop("before", None)
    groups: list[dict[str, Any]] = []
    for item in found:  # consecutive items of one conversation shown together
        if groups and groups[-1]["conversation"] == item.conversation:
            groups[-1]["items"].append(item)
        else:
            groups.append({"conversation": item.conversation, "items": [item]})
    return {
        "filters": filters, "wanted": wanted, "groups": groups, "items": found,
        "next_page": f"{after[0].isoformat()}_{after[1]}" if after else "",
        "query": query.urlencode(), "here": request.GET.urlencode(),
        "newest": found[0].pk if found else 0,
    }  # fmt: skip


@login_required
def inbox(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    context = {"membership": member, "workspace": member.workspace, "tab": "inbox",
               "can_work": member.allows(Role.CONTRIBUTOR),
               "members": assignable(member), **_listing(request, member)}  # fmt: skip
    if request.GET.get("partial") == "list":
        return render(request, "inbox/_list.html", context)
    return render(request, "inbox/inbox.html", context)


@login_required
def unread(request: HttpRequest, ws: str) -> JsonResponse:
    member = member_for(request, ws)
    return JsonResponse({"unread": queries.unread_count(member.workspace.pk)})


def _back(request: HttpRequest, ws: str) -> str:
    listing = reverse("inbox:list", args=[ws])
    back = request.POST.get("query", "")
    return f"{listing}?{QueryDict(back).urlencode()}" if back else listing


@login_required
@require_POST
def bulk(request: HttpRequest, ws: str) -> HttpResponse:
    """One action on the selected items: done, open, assign, tag, priority, hide."""
    member = member_for(request, ws, Role.CONTRIBUTOR)
    verb = request.POST.get("action", "")
    try:
        items = actions.access_items(member, request.POST.getlist("items"))
        count = _bulk(member, items, verb, request.POST)
    except ValidationError as exc:
        if _wants_json(request):
            return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
        messages.error(request, " ".join(exc.messages))
        return redirect(_back(request, ws))
    if _wants_json(request):
        return JsonResponse({"changed": count})
    messages.success(request, f"{count} item{'s' if count != 1 else ''} changed.")
    return redirect(_back(request, ws))


def _bulk(member: Membership, items: list[Interaction], verb: str, data: QueryDict) -> int:
    if verb in ("done", "open"):
        return actions.do_set_state(member, items, verb)
    if verb == "assign":
        return actions.do_assign(member, items, data.get("assignee"))
    if verb in ("tag", "untag"):
        return actions.do_tag(member, items, data.get("tag", "").split(","), remove=verb == "untag")
    if verb == "priority":
        return actions.do_set_priority(member, items, data.get("priority", ""))
    if verb in ("hide", "unhide"):
        return actions.do_hide(member, items, verb == "hide")
    raise ValidationError("Choose an action.")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def item(request: HttpRequest, ws: str, item_id: int) -> HttpResponse:
    member = member_for(request, ws)
    found = actions.access_item(member, item_id)
    reply_form = ReplyForm(initial={"text": replies.reply_prefix(found), "seen": timezone.now()})
    snooze_form = SnoozeForm()
    conflict = ""
    if request.method == "POST":
        verb = request.POST.get("action", "")
        try:
            if verb == "reply":
                reply_form = ReplyForm(request.POST)
                if reply_form.is_valid():
                    data = reply_form.cleaned_data
                    replies.do_reply(member, found, data["text"], seen=data["seen"],
                                     confirm=data["confirm"], done=data["done"])  # fmt: skip
                    waiting = not member.allows(Role.EDITOR)
                    messages.success(request, "Reply waiting for an editor's approval."
                                     if waiting else "Reply on its way.")  # fmt: skip
                    return redirect("inbox:item", ws, found.pk)
            elif verb == "snooze":
                snooze_form = SnoozeForm(request.POST)
                if snooze_form.is_valid():
                    until = snooze_form.cleaned_data["until"]
                    if timezone.is_naive(until):
                        until = timezone.make_aware(until, UTC)
                    actions.do_snooze(member, found, until)
                    messages.success(request, f"Snoozed until {until:%Y-%m-%d %H:%M} UTC.")
                    return redirect("inbox:list", ws)
            elif verb == "start_reply":
                return JsonResponse({"warning": replies.do_start_reply(member, found)})
            else:
                done = _item_action(member, found, verb, request.POST)
                if _wants_json(request):
                    return JsonResponse({"ok": True, "state": found.state})
                messages.success(request, done)
                return redirect("inbox:item", ws, found.pk)
        except replies.ReplyConflictError as exc:
            conflict = " ".join(exc.messages)
            reply_form = ReplyForm(request.POST)
            reply_form.is_valid()
        except ValidationError as exc:
            if _wants_json(request):
                return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
            target = reply_form if verb == "reply" else snooze_form if verb == "snooze" else None
            if target is not None:
                add_errors(target, exc)
            else:
                messages.error(request, " ".join(exc.messages))
    else:
        actions.do_mark_read(member, found)
    return render(request, "inbox/item.html", _item_context(request, member, found, reply_form,
                                                            snooze_form, conflict))  # fmt: skip


def _item_action(member: Membership, found: Interaction, verb: str, data: QueryDict) -> str:
    if verb in ("done", "open"):
        actions.do_set_state(member, [found], verb)
        return "Marked done." if verb == "done" else "Open again."
    if verb == "assign":
        actions.do_assign(member, [found], data.get("assignee"))
        return "Assigned." if found.assignee else "Unassigned."
    if verb in ("tag", "untag"):
        actions.do_tag(member, [found], data.get("tag", "").split(","), remove=verb == "untag")
        return "Tags changed."
    if verb == "note":
        actions.do_add_note(member, found, data.get("text", ""))
        return "Note added for the team."
    if verb == "priority":
        actions.do_set_priority(member, [found], data.get("priority", ""))
        return "Priority set."
    if verb in ("hide", "unhide"):
        actions.do_hide(member, [found], verb == "hide")
        return "Hidden." if verb == "hide" else "Shown again."
    if verb == "wake":
        actions.do_snooze(member, found, None)
        return "Back in the open list."
    if verb in ("like", "repost"):
        engage.do_engage(member, found, verb)
        return "Liked: on its way." if verb == "like" else "Reposted: on its way."
    raise ValidationError("Choose an action.")


def _item_context(request: HttpRequest, member: Membership, found: Interaction,
                  reply_form: ReplyForm, snooze_form: SnoozeForm,
                  conflict: str) -> dict[str, Any]:  # fmt: skip
    thread = queries.conversation(found)
    answers = queries.replies([i.pk for i in thread])
    by_item: dict[int, list[Any]] = {}
    for answer in answers:
        by_item.setdefault(answer.interaction_id, []).append(answer)
    adapter = content.adapter_class(found.channel.network)
    ours = found.delivery.post if found.delivery_id and found.delivery else None
    engaged = {e.kind: e for e in EngageAction.objects.filter(interaction=found)}
    saved = [(s, replies.fill(s.text, found, member))
             for s in SavedReply.objects.filter(workspace=member.workspace)]  # fmt: skip
    rules_ = content.rules_for(found.channel)
    return {
        "membership": member, "workspace": member.workspace, "tab": "inbox", "item": found,
        "thread": [(i, by_item.get(i.pk, [])) for i in thread], "ours": ours,
        "reply_form": reply_form, "snooze_form": snooze_form, "conflict": conflict,
        "can_work": member.allows(Role.CONTRIBUTOR), "members": assignable(member),
        "can_reply": found.can_reply and "reply" in adapter.capabilities,
        "can_like": bool(found.reply_ref) and "like" in adapter.capabilities,
        "can_repost": bool(found.reply_ref) and "repost" in adapter.capabilities,
        "engaged": engaged, "network_label": adapter.label,
        "replying": replies.replying_now(found, member), "saved_replies": saved,
        "notes": found.notes.select_related("author"),
        "events": found.events.select_related("user", "rule"), "priorities": Priority.choices,
        "limit": rules_.max_length if rules_ else None,
        "counter": rules_.counter if rules_ else "characters",
        "next_item": _neighbour(member, found, older=True),
        "previous_item": _neighbour(member, found, older=False),
    }  # fmt: skip


def _neighbour(member: Membership, found: Interaction, *, older: bool) -> int | None:
    """The next (older) or previous (newer) open item of the inbox, for j and k."""
    rows = queries.items(member.workspace.pk, queries.Filters(), member.user_id)
    if older:
        rows = rows.filter(created_at__lte=found.created_at).exclude(pk=found.pk)
        rows = rows.exclude(created_at=found.created_at, pk__gt=found.pk)
        return rows.values_list("pk", flat=True).first()
    rows = rows.filter(created_at__gte=found.created_at).exclude(pk=found.pk)
    rows = rows.exclude(created_at=found.created_at, pk__lt=found.pk)
    return rows.order_by("created_at", "pk").values_list("pk", flat=True).first()


# --- rules --------------------------------------------------------------------------------


@login_required
def rule_list(request: HttpRequest, ws: str, rule_id: int | None = None) -> HttpResponse:
    """The rules in order, a form to add (or change) one, and its trial on the last 30 days."""
    member = member_for(request, ws)
    can_edit = member.allows(Role.EDITOR)
    rule = rules.access_rule(member, rule_id) if rule_id else None
    members = assignable(member)
    initial = RuleForm.initial_for(rule) if rule else {"enabled": True}
    form = RuleForm(initial=initial, workspace_id=member.workspace.pk, members=members)
    trial = None
    if request.method == "POST":
        check_role(member, Role.EDITOR)
        verb = request.POST.get("action", "save")
        if verb in ("up", "down", "delete"):
            target = rules.access_rule(member, int(request.POST.get("rule", "0") or 0))
            if verb == "delete":
                rules.do_delete_rule(member, target)
                messages.success(request, f"Rule “{target.name}” deleted.")
            else:
                rules.do_move_rule(member, target, -1 if verb == "up" else 1)
            return redirect("inbox:rules", ws)
        form = RuleForm(request.POST, workspace_id=member.workspace.pk, members=members)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if verb == "try":
                    compiled = rules.check_rule(member, form.conditions(), form.actions(),
                                                data["stop"])  # fmt: skip
                    trial = rules.trial(member, compiled)
                else:
                    saved = rules.do_save_rule(
                        member, data["name"], form.conditions(), form.actions(),
                        stop=data["stop"], enabled=data["enabled"], rule=rule,
                    )  # fmt: skip
                    messages.success(request, f"Rule “{saved.name}” saved: it runs on new items.")
                    return redirect("inbox:rules", ws)
            except ValidationError as exc:
                add_errors(form, exc)
    context = {
        "membership": member, "workspace": member.workspace, "tab": "rules",
        "rules": InboxRule.objects.filter(workspace=member.workspace), "form": form,
        "editing": rule, "trial": trial, "can_edit": can_edit,
        "member_names": dict(members),
    }  # fmt: skip
    return render(request, "inbox/rules.html", context)


# --- saved replies ------------------------------------------------------------------------


@login_required
def saved_replies(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    form = SavedReplyForm()
    if request.method == "POST":
        check_role(member, Role.EDITOR)
        existing = None
        if request.POST.get("id"):
            existing = replies.access_saved_reply(member, request.POST["id"])
        if request.POST.get("action") == "delete" and existing is not None:
            replies.do_delete_saved_reply(member, existing)
            messages.success(request, f"“{existing.name}” deleted.")
            return redirect("inbox:saved_replies", ws)
        form = SavedReplyForm(request.POST)
        if form.is_valid():
            try:
                saved = replies.do_save_reply(member, form.cleaned_data["name"],
                                              form.cleaned_data["text"], existing)  # fmt: skip
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Saved reply “{saved.name}” saved.")
                return redirect("inbox:saved_replies", ws)
    context = {"membership": member, "workspace": member.workspace, "tab": "saved",
               "saved": SavedReply.objects.filter(workspace=member.workspace), "form": form,
               "can_edit": member.allows(Role.EDITOR)}  # fmt: skip
    return render(request, "inbox/saved_replies.html", context)


# --- the response report ------------------------------------------------------------------


@login_required
def report(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    try:
        days = min(max(int(request.GET.get("days", "28")), 1), 366)
    except ValueError:
        days = 28
    start, end = responses.default_range(days=days)
    context = {"membership": member, "workspace": member.workspace, "tab": "report",
               "report": responses.report(member.workspace.pk, start, end), "days": days,
               "start": start, "end": end}  # fmt: skip
    return render(request, "inbox/report.html", context)
