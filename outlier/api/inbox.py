"""The inbox in the REST API: the list with the screen's filters and keyset pages, one item with
its notes, tags, history, conversation and replies, the work on items (state, assignment,
snooze, tags, notes, priority, read, hide; one at a time or in bulk), replies, likes and
reposts, the rules (with their 30-day trial), saved replies and the response report.

Any member reads; contributors and above (with a write token) work items; editors and owners
manage rules and saved replies. Items, rules and saved replies of another workspace answer 404.
Everything here calls the inbox app's own functions (outlier.inbox), as its screens do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Query, Router, Schema, Status

from outlier.api.auth import membership
from outlier.core.actions import check_role
from outlier.core.models import Membership, Role, User
from outlier.inbox import actions, engage, queries, replies, responses, rules
from outlier.inbox.models import (
    EngageAction,
    InboxEvent,
    InboxNote,
    InboxReply,
    InboxRule,
    Interaction,
    InteractionKind,
    SavedReply,
)
from outlier.publishing import content
from outlier.publishing.models import Channel, PostStatus

router = Router(tags=["inbox"])

MAX_PAGE = 200
MAX_REPORT_DAYS = 366


# --- shapes -----------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    email: str
    name: str


def user_out(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "name": str(user)}


class ChannelRef(Schema):
    id: int
    name: str
    network: str


class AuthorOut(Schema):
    id: str
    handle: str
    name: str
    url: str
    avatar: str
    followers: int | None


class ItemOut(Schema):
    id: int
    kind: str  # reply, mention, quote, message; like, repost, follow (activity)
    is_work: bool
    channel: ChannelRef
    author: AuthorOut
    text: str
    language: str
    url: str
    conversation: str
    created_at: datetime
    received_at: datetime
    state: str  # open or done
    priority: int  # -1 low, 0 normal, 1 high, 2 urgent
    hidden: bool
    assignee: UserOut | None
    snoozed_until: datetime | None
    read_at: datetime | None
    done_at: datetime | None
    first_response_at: datetime | None
    tags: list[str]
    can_reply: bool


def item_out(item: Interaction) -> dict[str, Any]:
    channel = item.channel
    return {
        "id": item.pk, "kind": item.kind, "is_work": item.is_work,
        "channel": {"id": channel.pk, "name": channel.name, "network": channel.network},
        "author": {"id": item.author_id, "handle": item.author_handle, "name": item.author_name,
                   "url": item.author_url, "avatar": item.author_avatar,
                   "followers": item.author_followers},
        "text": item.text, "language": item.language, "url": item.url,
        "conversation": item.conversation, "created_at": item.created_at,
        "received_at": item.received_at, "state": item.state, "priority": item.priority,
        "hidden": item.hidden, "assignee": user_out(item.assignee),
        "snoozed_until": item.snoozed_until, "read_at": item.read_at, "done_at": item.done_at,
        "first_response_at": item.first_response_at,
        "tags": [t.name for t in item.tags.all()], "can_reply": item.can_reply,
    }  # fmt: skip


class PageOut(Schema):
    items: list[ItemOut]
    # Pass as `before` for the next (older) page; null on the last page.
    next: str | None
    unread: int


class UnreadOut(Schema):
    unread: int


class NoteOut(Schema):
    id: int
    author: UserOut | None
    text: str
    created_at: datetime


def note_out(note: InboxNote) -> dict[str, Any]:
    return {"id": note.pk, "author": user_out(note.author), "text": note.text,
            "created_at": note.created_at}  # fmt: skip


class EventOut(Schema):
    at: datetime
    action: str  # assign, done, open, tag, untag, note, priority, hide, snooze, reply, like…
    detail: str
    user: UserOut | None
    rule: int | None
    rule_name: str | None


def event_out(event: InboxEvent) -> dict[str, Any]:
    return {"at": event.at, "action": event.action, "detail": event.detail,
            "user": user_out(event.user), "rule": event.rule_id,
            "rule_name": event.rule.name if event.rule else None}  # fmt: skip


class ReplyDeliveryOut(Schema):
    id: int
    state: str  # scheduled, sending, sent, retrying, failed, unconfirmed, cancelled…
    error: str
    remote_id: str
    remote_url: str
    sent_at: datetime | None


class ReplyOut(Schema):
    id: int
    item: int
    post: int
    text: str
    status: str  # the post's: awaiting_approval (a contributor's), scheduled, published, failed
    waiting_for_approval: bool
    author: UserOut | None
    created_at: datetime
    deliveries: list[ReplyDeliveryOut]


def reply_out(reply: InboxReply) -> dict[str, Any]:
    post = reply.post
    return {
        "id": reply.pk, "item": reply.interaction_id, "post": post.pk, "text": post.text,
        "status": post.status,
        "waiting_for_approval": post.status == PostStatus.AWAITING_APPROVAL,
        "author": user_out(reply.author), "created_at": reply.created_at,
        "deliveries": [{"id": d.pk, "state": d.state, "error": d.error,
                        "remote_id": d.remote_id, "remote_url": d.remote_url,
                        "sent_at": d.sent_at} for d in post.deliveries.all()],
    }  # fmt: skip


class EngageOut(Schema):
    id: int
    item: int
    kind: str  # like or repost
    state: str  # pending, sending, done, retrying, failed, unconfirmed
    attempts: int
    error: str
    remote_id: str
    created_at: datetime
    done_at: datetime | None


def engage_out(action: EngageAction) -> dict[str, Any]:
    return {"id": action.pk, "item": action.interaction_id, "kind": action.kind,
            "state": action.state, "attempts": action.attempts, "error": action.error,
            "remote_id": action.remote_id, "created_at": action.created_at,
            "done_at": action.done_at}  # fmt: skip


class ThreadEntryOut(Schema):
    item: ItemOut
    replies: list[ReplyOut]


class ItemDetailOut(ItemOut):
    notes: list[NoteOut]
    events: list[EventOut]
    conversation_items: list[ThreadEntryOut]  # oldest first, this item included
    replies: list[ReplyOut]  # the team's replies to this item
    engagements: list[EngageOut]
    our_post: int | None  # the post of ours it answers, when known
    replying: str  # who else is writing a reply now ("" when nobody)
    can_like: bool
    can_repost: bool
    reply_prefix: str  # what a reply starts with (Mastodon: the author's handle)
    reply_limit: int | None  # the network's limit for one post
    reply_counter: str


def item_detail_out(member: Membership, item: Interaction) -> dict[str, Any]:
    thread = queries.conversation(item)
    answers = queries.replies([i.pk for i in thread])
    by_item: dict[int, list[InboxReply]] = {}
    for answer in answers:
        by_item.setdefault(answer.interaction_id, []).append(answer)
    adapter = content.adapter_class(item.channel.network)
    limits = content.rules_for(item.channel)
    ours = item.delivery.post_id if item.delivery_id and item.delivery else None
    return {
        **item_out(item),
        "notes": [note_out(n) for n in item.notes.select_related("author")],
        "events": [event_out(e) for e in item.events.select_related("user", "rule")],
        "conversation_items": [{"item": item_out(i), "replies": [reply_out(r) for r in
                                                                 by_item.get(i.pk, [])]}
                               for i in thread],
        "replies": [reply_out(r) for r in by_item.get(item.pk, [])],
        "engagements": [engage_out(e) for e in EngageAction.objects.filter(interaction=item)],
        "our_post": ours, "replying": replies.replying_now(item, member),
        "can_like": bool(item.reply_ref) and "like" in adapter.capabilities,
        "can_repost": bool(item.reply_ref) and "repost" in adapter.capabilities,
        "reply_prefix": replies.reply_prefix(item),
        "reply_limit": limits.max_length if limits else None,
        "reply_counter": limits.counter if limits else "characters",
    }  # fmt: skip


# --- the list ---------------------------------------------------------------------------------


class ItemsQuery(Schema):
    view: str = "open"  # open, done, snoozed, hidden, all, activity
    channel: int | None = None
    network: str = ""
    kind: str = ""  # reply, mention, quote, message, like, repost, follow
    assignee: str = ""  # me, none, or a user id
    tag: str = ""
    language: str = ""  # "en" also finds "en-GB"
    q: str = ""  # full-text search of the text and the author
    before: str = ""  # the `next` of the previous page
    limit: int = 50


def _filters(q: ItemsQuery) -> queries.Filters:
    errors: dict[str, str] = {}
    if q.view not in queries.VIEWS:
        errors["view"] = "The view is one of " + ", ".join(queries.VIEWS) + "."
    if q.kind and q.kind not in InteractionKind.values:
        errors["kind"] = "The kind is one of " + ", ".join(InteractionKind.values) + "."
    if q.assignee not in ("", "me", "none") and not q.assignee.isdigit():
        errors["assignee"] = "The assignee is me, none or a user id."
    if len(q.q) > 200:
        errors["q"] = "Search for at most 200 characters."
    if errors:
        raise ValidationError(errors)
    return queries.Filters(view=q.view, channel=q.channel, network=q.network.strip(),
                           kind=q.kind, assignee=q.assignee, tag=q.tag.strip(),
                           language=q.language.strip(), q=q.q.strip())  # fmt: skip


def cursor_of(keyset: tuple[datetime, int] | None) -> str | None:
    """The next page's `before`: "<UTC time>_<id>", safe in a query string as it is."""
    if keyset is None:
        return None
    at, pk = keyset
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}_{pk}"


def _keyset(raw: str) -> tuple[datetime, int] | None:
    if not raw:
        return None
    at, _, pk = raw.rpartition("_")
    try:
        when = parse_datetime(at) if at else None
    except ValueError:
        when = None
    if when is None or not pk.isdigit():
        raise ValidationError({"before": "Pass the `next` of the previous page as it is."})
    return (when if timezone.is_aware(when) else when.replace(tzinfo=UTC)), int(pk)


@router.get("/inbox/items", response=PageOut,
            summary="List inbox items with the screen's filters, newest first, by keyset pages")  # fmt: skip
def list_items(request: HttpRequest, q: Query[ItemsQuery]) -> dict[str, Any]:
    """`next` is the keyset of the following page (pass it as `before`); there is no total
    count, so a page costs the same however large the inbox grows. 400 for an unknown view,
    kind or assignee, or a `before` that is not a `next`."""
    member = membership(request)
    wid = member.workspace.pk
    rows = queries.items(wid, _filters(q), member.user_id)
    found, after = queries.page(rows, max(1, min(q.limit, MAX_PAGE)), _keyset(q.before))
    return {"items": [item_out(i) for i in found], "next": cursor_of(after),
            "unread": queries.unread_count(wid)}  # fmt: skip


@router.get("/inbox/unread", response=UnreadOut,
            summary="How many open items nobody of the team has opened")  # fmt: skip
def unread(request: HttpRequest) -> dict[str, int]:
    return {"unread": queries.unread_count(membership(request).workspace.pk)}


@router.get("/inbox/items/{int:item_id}", response=ItemDetailOut,
            summary="Read an item with its notes, tags, history, conversation and replies")  # fmt: skip
def read_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    """Reading does not mark the item read: POST …/read does."""
    member = membership(request)
    return item_detail_out(member, actions.access_item(member, item_id))


# --- working an item --------------------------------------------------------------------------


def _worked(member: Membership, item_id: int) -> dict[str, Any]:
    """The item as it is now, after a change."""
    return item_out(actions.access_item(member, item_id))


class StateIn(Schema):
    state: str  # open or done


class AssignIn(Schema):
    assignee: int | None = None  # a user id of a contributor, editor or owner; null: nobody


class SnoozeIn(Schema):
    until: datetime | None = None  # a future time (without a zone: UTC); null wakes it now


class TagsIn(Schema):
    tags: list[str]


class NoteIn(Schema):
    text: str


class PriorityIn(Schema):
    priority: int  # -1 low, 0 normal, 1 high, 2 urgent


class HideIn(Schema):
    hidden: bool = True


@router.post("/inbox/items/{int:item_id}/state", response=ItemOut,
             summary="Mark an item done, or open again (contributors)")  # fmt: skip
def set_state(request: HttpRequest, item_id: int, payload: StateIn) -> dict[str, Any]:
    member = membership(request, write=True)
    actions.do_set_state(member, [actions.access_item(member, item_id)], payload.state)
    return _worked(member, item_id)


@router.post("/inbox/items/{int:item_id}/assign", response=ItemOut,
             summary="Assign an item to a member, or to nobody (contributors)")  # fmt: skip
def assign(request: HttpRequest, item_id: int, payload: AssignIn) -> dict[str, Any]:
    member = membership(request, write=True)
    actions.do_assign(member, [actions.access_item(member, item_id)], payload.assignee)
    return _worked(member, item_id)


@router.post("/inbox/items/{int:item_id}/snooze", response=ItemOut,
             summary="Snooze an item until a time, or wake it (contributors)")  # fmt: skip
def snooze(request: HttpRequest, item_id: int, payload: SnoozeIn) -> dict[str, Any]:
    member = membership(request, write=True)
    until = payload.until
    if until is not None and timezone.is_naive(until):
        until = until.replace(tzinfo=UTC)
    actions.do_snooze(member, actions.access_item(member, item_id), until)
    return _worked(member, item_id)


@router.post("/inbox/items/{int:item_id}/tag", response=ItemOut,
             summary="Tag an item (tags are made as needed; contributors)")  # fmt: skip
def tag(request: HttpRequest, item_id: int, payload: TagsIn) -> dict[str, Any]:
    member = membership(request, write=True)
    actions.do_tag(member, [actions.access_item(member, item_id)], payload.tags)
    return _worked(member, item_id)


@router.post("/inbox/items/{int:item_id}/untag", response=ItemOut,
             summary="Take tags off an item (contributors)")  # fmt: skip
def untag(request: HttpRequest, item_id: int, payload: TagsIn) -> dict[str, Any]:
    member = membership(request, write=True)
    actions.do_tag(member, [actions.access_item(member, item_id)], payload.tags, remove=True)
    return _worked(member, item_id)


@router.post("/inbox/items/{int:item_id}/notes", response={201: NoteOut},
             summary="Add a note for the team, never sent to the network (contributors)")  # fmt: skip
def add_note(request: HttpRequest, item_id: int, payload: NoteIn) -> Status[dict[str, Any]]:
    member = membership(request, write=True)
    note = actions.do_add_note(member, actions.access_item(member, item_id), payload.text)
    return Status(201, note_out(note))


@router.post("/inbox/items/{int:item_id}/priority", response=ItemOut,
             summary="Set an item's priority (contributors)")  # fmt: skip
def set_priority(request: HttpRequest, item_id: int, payload: PriorityIn) -> dict[str, Any]:
    member = membership(request, write=True)
    actions.do_set_priority(member, [actions.access_item(member, item_id)], payload.priority)
    return _worked(member, item_id)


@router.post("/inbox/items/{int:item_id}/hide", response=ItemOut,
             summary="Hide an item (spam, noise) or show it again (contributors)")  # fmt: skip
def hide(request: HttpRequest, item_id: int, payload: HideIn) -> dict[str, Any]:
    member = membership(request, write=True)
    actions.do_hide(member, [actions.access_item(member, item_id)], payload.hidden)
    return _worked(member, item_id)


@router.post("/inbox/items/{int:item_id}/read", response=ItemOut,
             summary="Mark an item read: it stops counting as unread")  # fmt: skip
def mark_read(request: HttpRequest, item_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    actions.do_mark_read(member, actions.access_item(member, item_id))
    return _worked(member, item_id)


class BulkIn(Schema):
    action: str  # done, open, assign, tag, untag, priority, hide, unhide
    items: list[int]
    assignee: int | None = None  # for assign (null: nobody)
    tags: list[str] = []  # for tag and untag
    priority: int | None = None  # for priority


class BulkOut(Schema):
    changed: int


BULK_ACTIONS = ("done", "open", "assign", "tag", "untag", "priority", "hide", "unhide")


@router.post("/inbox/bulk", response=BulkOut,
             summary="One action on many items: done, open, assign, tag, untag, priority, hide")  # fmt: skip
def bulk(request: HttpRequest, payload: BulkIn) -> dict[str, int]:
    """Every id must be an item of this workspace (else 404 and nothing changes); at most 500.
    `changed` counts the items changed (done on an item already done is not a change)."""
    member = membership(request, write=True)
    verb = payload.action
    if verb not in BULK_ACTIONS:
        raise ValidationError({"action": "The action is one of " + ", ".join(BULK_ACTIONS) + "."})
    items = actions.access_items(member, payload.items)
    if verb in ("done", "open"):
        count = actions.do_set_state(member, items, verb)
    elif verb == "assign":
        count = actions.do_assign(member, items, payload.assignee)
    elif verb in ("tag", "untag"):
        count = actions.do_tag(member, items, payload.tags, remove=verb == "untag")
    elif verb == "priority":
        count = actions.do_set_priority(member, items, "" if payload.priority is None
                                        else payload.priority)  # fmt: skip
    else:
        count = actions.do_hide(member, items, verb == "hide")
    return {"changed": count}


# --- replies, likes and reposts ---------------------------------------------------------------


class ReplyIn(Schema):
    text: str = ""
    # A saved reply's id: its text, filled for this item, goes after `text` (or after the
    # author's handle where the network needs it, when `text` is empty).
    saved_reply: int | None = None
    # Send even though another member is writing a reply or has replied (after a 409).
    confirm: bool = False
    # When the writer opened the item (without a zone: UTC): only replies by others since
    # then are a conflict.
    seen: datetime | None = None
    done: bool = False  # mark the item done with the reply


class ConflictOut(Schema):
    detail: str
    code: Literal["replying", "replied"]


class StartReplyOut(Schema):
    warning: str  # who else is writing a reply now ("" when nobody)


def _reply_text(member: Membership, item: Interaction, payload: ReplyIn) -> str:
    if payload.saved_reply is None:
        return payload.text
    saved = replies.access_saved_reply(member, payload.saved_reply)
    start = payload.text.strip() or replies.reply_prefix(item).strip()
    filled = replies.fill(saved.text, item, member)
    return f"{start} {filled}" if start else filled


@router.post("/inbox/items/{int:item_id}/start-reply", response=StartReplyOut,
             summary="Say you are writing a reply; answers who else is (contributors)")  # fmt: skip
def start_reply(request: HttpRequest, item_id: int) -> dict[str, str]:
    member = membership(request, write=True)
    return {"warning": replies.do_start_reply(member, actions.access_item(member, item_id))}


@router.post(
    "/inbox/items/{int:item_id}/reply", response={201: ReplyOut, 409: ConflictOut},
    summary="Reply on the item's network (contributors: waits for an editor's approval)",
)  # fmt: skip
def reply(request: HttpRequest, item_id: int, payload: ReplyIn) -> Status[dict[str, Any]]:
    """201 with the reply; its post goes through the delivery engine (read the item to see the
    delivery's state). A contributor's reply is `awaiting_approval` until an editor approves
    it. 400 when the text is empty or over the network's limit for one post, or the item
    cannot be answered (likes, follows, networks without replies): nothing is stored. 409 when
    another member is writing a reply now (`replying`) or has replied (`replied`, since `seen`
    when given): send again with `confirm` to reply anyway."""
    member = membership(request, write=True)
    item = actions.access_item(member, item_id, actions.WORK_ROLE)
    text = _reply_text(member, item, payload)
    if not payload.confirm:
        writing = replies.replying_now(item, member)
        if writing:
            replies.check_can_reply(item)
            replies.check_reply_text(item, text)
            return Status(409, {"detail": f"{writing} Send yours too?", "code": "replying"})
    seen = payload.seen
    if seen is not None and timezone.is_naive(seen):
        seen = seen.replace(tzinfo=UTC)
    try:
        answer = replies.do_reply(member, item, text, seen=seen,
                                  confirm=payload.confirm, done=payload.done)  # fmt: skip
    except replies.ReplyConflictError as exc:
        return Status(409, {"detail": " ".join(exc.messages), "code": "replied"})
    return Status(201, reply_out(_reply(answer)))


def _reply(answer: InboxReply) -> InboxReply:
    return (
        InboxReply.objects.select_related("post", "author")
        .prefetch_related("post__deliveries")
        .get(pk=answer.pk)
    )


@router.post("/inbox/items/{int:item_id}/like", response={202: EngageOut},
             summary="Like the item on its network (contributors)")  # fmt: skip
def like(request: HttpRequest, item_id: int) -> Status[dict[str, Any]]:
    """Accepted: a worker sends it; asking again returns the same like (a failed one is tried
    again). 400 where the network cannot like it from Outlier."""
    member = membership(request, write=True)
    action = engage.do_engage(member, actions.access_item(member, item_id), "like")
    return Status(202, engage_out(action))


@router.post("/inbox/items/{int:item_id}/repost", response={202: EngageOut},
             summary="Repost (boost) the item on its network (contributors)")  # fmt: skip
def repost(request: HttpRequest, item_id: int) -> Status[dict[str, Any]]:
    """Accepted: a worker sends it; asking again returns the same repost (a failed one is
    tried again). 400 where the network cannot repost it from Outlier."""
    member = membership(request, write=True)
    action = engage.do_engage(member, actions.access_item(member, item_id), "repost")
    return Status(202, engage_out(action))


# --- rules ------------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    name: str
    position: int
    enabled: bool
    conditions: dict[str, Any]
    actions: dict[str, Any]
    stop: bool
    created_at: datetime
    updated_at: datetime


def rule_out(rule: InboxRule) -> dict[str, Any]:
    return {"id": rule.pk, "name": rule.name, "position": rule.position,
            "enabled": rule.enabled, "conditions": rule.conditions, "actions": rule.actions,
            "stop": rule.stop, "created_at": rule.created_at,
            "updated_at": rule.updated_at}  # fmt: skip


class RuleIn(Schema):
    name: str
    # words, regex, authors, networks, channels, kinds, languages, min_followers
    conditions: dict[str, Any] = {}
    # tags, assign (a user id), priority (-1…2), done, hide
    actions: dict[str, Any] = {}
    stop: bool = False  # no later rule runs on an item this one matched
    enabled: bool = True


class RulePatch(Schema):
    name: str | None = None
    conditions: dict[str, Any] | None = None
    actions: dict[str, Any] | None = None
    stop: bool | None = None
    enabled: bool | None = None


class MoveIn(Schema):
    direction: Literal["up", "down"]


class TrialIn(Schema):
    conditions: dict[str, Any] = {}
    actions: dict[str, Any] = {}
    stop: bool = False


class TrialOut(Schema):
    days: int
    looked_at: int
    total_matched: int
    matched: list[ItemOut]  # the newest 50 it would have matched


@router.get(
    "/inbox/rules", response=list[RuleOut], summary="The inbox rules, in the order they run"
)
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    member = membership(request)
    return [rule_out(r) for r in InboxRule.objects.filter(workspace=member.workspace)]


@router.post("/inbox/rules", response={201: RuleOut},
             summary="Add a rule; it runs last, on new items (editors)")  # fmt: skip
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[dict[str, Any]]:
    """400 naming the field (`conditions`, `actions`, `regex`, `kinds`, `assign`, …) when the
    rule does not check; nothing stored."""
    member = membership(request, write=True)
    rule = rules.do_save_rule(member, payload.name, payload.conditions, payload.actions,
                              stop=payload.stop, enabled=payload.enabled)  # fmt: skip
    return Status(201, rule_out(rule))


@router.post("/inbox/rules/try", response=TrialOut,
             summary="Try a rule, unsaved, on the last 30 days' items (editors)")  # fmt: skip
def try_rule(request: HttpRequest, payload: TrialIn) -> dict[str, Any]:
    """Which items of the last 30 days the rule would have matched; nothing is changed or
    stored, so a read token will do. 400 when the rule does not check."""
    member = membership(request)
    check_role(member, Role.EDITOR)  # as on the rules screen
    compiled = rules.check_rule(member, payload.conditions, payload.actions, payload.stop)
    found = rules.trial(member, compiled)
    return {"days": rules.TRIAL_DAYS, "looked_at": found.looked_at,
            "total_matched": found.total_matched,
            "matched": [item_out(i) for i in found.matched]}  # fmt: skip


@router.get("/inbox/rules/{int:rule_id}", response=RuleOut, summary="Read a rule")
def read_rule(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    return rule_out(rules.access_rule(membership(request), rule_id))


@router.patch("/inbox/rules/{int:rule_id}", response=RuleOut,
              summary="Change a rule; what is left out stays as it is (editors)")  # fmt: skip
def update_rule(request: HttpRequest, rule_id: int, payload: RulePatch) -> dict[str, Any]:
    member = membership(request, write=True)
    rule = rules.access_rule(member, rule_id)
    given = payload.dict(exclude_none=True)
    saved = rules.do_save_rule(
        member, given.get("name", rule.name), given.get("conditions", rule.conditions),
        given.get("actions", rule.actions), stop=given.get("stop", rule.stop),
        enabled=given.get("enabled", rule.enabled), rule=rule,
    )  # fmt: skip
    return rule_out(saved)


@router.delete("/inbox/rules/{int:rule_id}", response={204: None},
               summary="Remove a rule (editors)")  # fmt: skip
def delete_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    member = membership(request, write=True)
    rules.do_delete_rule(member, rules.access_rule(member, rule_id))
    return Status(204, None)


@router.post("/inbox/rules/{int:rule_id}/move", response=list[RuleOut],
             summary="Move a rule one place up or down; answers the rules in order (editors)")  # fmt: skip
def move_rule(request: HttpRequest, rule_id: int, payload: MoveIn) -> list[dict[str, Any]]:
    member = membership(request, write=True)
    rule = rules.access_rule(member, rule_id)
    rules.do_move_rule(member, rule, -1 if payload.direction == "up" else 1)
    return [rule_out(r) for r in InboxRule.objects.filter(workspace=member.workspace)]


# --- saved replies ----------------------------------------------------------------------------


class SavedReplyOut(Schema):
    id: int
    name: str
    text: str  # with {name}, {first_name}, {handle}, {channel}, {me}
    filled: str | None  # the text for the item asked for (`item`), else null
    created_at: datetime


def saved_out(saved: SavedReply, filled: str | None = None) -> dict[str, Any]:
    return {"id": saved.pk, "name": saved.name, "text": saved.text, "filled": filled,
            "created_at": saved.created_at}  # fmt: skip


class SavedReplyIn(Schema):
    name: str
    text: str


class SavedReplyPatch(Schema):
    name: str | None = None
    text: str | None = None


@router.get("/inbox/saved-replies", response=list[SavedReplyOut],
            summary="Saved replies; with `item`, each filled in for that item")  # fmt: skip
def list_saved_replies(request: HttpRequest, item: int | None = None) -> list[dict[str, Any]]:
    member = membership(request)
    found = actions.access_item(member, item) if item is not None else None
    return [saved_out(s, replies.fill(s.text, found, member) if found else None)
            for s in SavedReply.objects.filter(workspace=member.workspace)]  # fmt: skip


@router.post("/inbox/saved-replies", response={201: SavedReplyOut},
             summary="Save a reply template (editors)")  # fmt: skip
def create_saved_reply(request: HttpRequest, payload: SavedReplyIn) -> Status[dict[str, Any]]:
    """400 for an empty or taken name, an empty text, or an unknown {variable}."""
    member = membership(request, write=True)
    return Status(201, saved_out(replies.do_save_reply(member, payload.name, payload.text)))


@router.get("/inbox/saved-replies/{int:saved_id}", response=SavedReplyOut,
            summary="Read a saved reply; with `item`, filled in for that item")  # fmt: skip
def read_saved_reply(request: HttpRequest, saved_id: int, item: int | None = None
                     ) -> dict[str, Any]:  # fmt: skip
    member = membership(request)
    saved = replies.access_saved_reply(member, saved_id)
    found = actions.access_item(member, item) if item is not None else None
    return saved_out(saved, replies.fill(saved.text, found, member) if found else None)


@router.patch("/inbox/saved-replies/{int:saved_id}", response=SavedReplyOut,
              summary="Change a saved reply (editors)")  # fmt: skip
def update_saved_reply(request: HttpRequest, saved_id: int, payload: SavedReplyPatch
                       ) -> dict[str, Any]:  # fmt: skip
    member = membership(request, write=True)
    saved = replies.access_saved_reply(member, saved_id)
    name = saved.name if payload.name is None else payload.name
    text = saved.text if payload.text is None else payload.text
    return saved_out(replies.do_save_reply(member, name, text, saved))


@router.delete("/inbox/saved-replies/{int:saved_id}", response={204: None},
               summary="Remove a saved reply (editors)")  # fmt: skip
def delete_saved_reply(request: HttpRequest, saved_id: int) -> Status[None]:
    member = membership(request, write=True)
    replies.do_delete_saved_reply(member, replies.access_saved_reply(member, saved_id))
    return Status(204, None)


# --- the response report ----------------------------------------------------------------------


class ReportQuery(Schema):
    days: int = 28  # the last `days` days up to now, unless `start` or `end` is given
    start: date | None = None  # the first day (UTC) of items that arrived
    end: date | None = None  # the last day (UTC), included; default today
    channel: int | None = None


class MeasureOut(Schema):
    label: str
    count: int
    median: float | None  # seconds
    p90: float | None  # seconds, the 90th percentile (nearest rank)


class ByOut(Schema):
    member: list[MeasureOut]
    channel: list[MeasureOut]
    week: list[MeasureOut]  # ISO weeks: 2030-W05


class HandledOut(Schema):
    member: str
    done: int


class ReportOut(Schema):
    start: datetime
    end: datetime
    channel: int | None
    first_response: MeasureOut
    time_to_done: MeasureOut
    first_response_by: ByOut
    time_to_done_by: ByOut
    handled: list[HandledOut]  # items marked done, per member (or "a rule")


def measure_out(m: responses.Measure) -> dict[str, Any]:
    return {"label": m.label, "count": m.count, "median": m.median, "p90": m.p90}


def _period(q: ReportQuery) -> tuple[datetime, datetime]:
    if q.start is None and q.end is None:
        if not 1 <= q.days <= MAX_REPORT_DAYS:
            raise ValidationError({"days": f"From 1 to {MAX_REPORT_DAYS} days."})
        return responses.default_range(days=q.days)
    last = q.end or timezone.now().date()
    first = q.start or last - timedelta(days=q.days - 1)
    if last < first:
        raise ValidationError({"end": "The end comes before the start."})
    if (last - first).days + 1 > MAX_REPORT_DAYS:
        raise ValidationError({"start": f"A report spans at most {MAX_REPORT_DAYS} days."})
    start = datetime.combine(first, time.min, tzinfo=UTC)
    return start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)


@router.get("/inbox/report", response=ReportOut,
            summary="Response times: median and 90th percentile by member, channel and week")  # fmt: skip
def report(request: HttpRequest, q: Query[ReportQuery]) -> dict[str, Any]:
    """Work items that arrived in the period: time to the first reply that reached the
    network, and time to done, overall and by member, channel and week; items handled per
    member. 400 for a bad period or another workspace's channel."""
    member = membership(request)
    wid = member.workspace.pk
    start, end = _period(q)
    if q.channel and not Channel.objects.filter(pk=q.channel, workspace_id=wid).exists():
        raise ValidationError({"channel": "No such channel in this workspace."})
    found = responses.report(wid, start, end, q.channel)
    return {
        "start": start, "end": end, "channel": q.channel,
        "first_response": measure_out(found.overall_first),
        "time_to_done": measure_out(found.overall_done),
        "first_response_by": {k: [measure_out(m) for m in v]
                              for k, v in found.first_response.items()},
        "time_to_done_by": {k: [measure_out(m) for m in v]
                            for k, v in found.time_to_done.items()},
        "handled": [{"member": who, "done": n} for who, n in found.handled],
    }  # fmt: skip
