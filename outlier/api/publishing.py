"""Channels, posts, deliveries and the calendar in the REST API."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from outlier.api.auth import membership
from outlier.core.models import Role
from outlier.publishing import actions, queries
from outlier.publishing.models import Channel, Delivery, Post

router = Router(tags=["publishing"])


class ChannelOut(Schema):
    id: int
    network: str
    name: str
    settings: dict[str, Any]
    timezone: str
    queue_times: list[dict[str, Any]]
    status: str
    status_detail: str
    rate_limited_until: datetime | None


def channel_out(channel: Channel) -> dict[str, Any]:
    return {
        "id": channel.pk, "network": channel.network, "name": channel.name,
        "settings": channel.settings, "timezone": channel.timezone,
        "queue_times": channel.queue_times, "status": channel.status,
        "status_detail": channel.status_detail, "rate_limited_until": channel.rate_limited_until,
    }  # fmt: skip


class ChannelIn(Schema):
    network: str
    name: str
    settings: dict[str, Any] = {}
    credentials: dict[str, Any] = {}
    timezone: str = "UTC"
    queue_times: list[dict[str, Any]] = []


class ChannelPatch(Schema):
    name: str | None = None
    settings: dict[str, Any] | None = None
    credentials: dict[str, Any] | None = None
    timezone: str | None = None
    queue_times: list[dict[str, Any]] | None = None


class TestOut(Schema):
    ok: bool
    message: str
    status: str


@router.get("/channels", response=list[ChannelOut], summary="List channels with their health")
def list_channels(request: HttpRequest) -> list[dict[str, Any]]:
    member = membership(request)
    return [channel_out(c) for c in Channel.objects.filter(workspace=member.workspace)]


@router.post("/channels", response={201: ChannelOut}, summary="Connect a channel")
def create_channel(request: HttpRequest, payload: ChannelIn) -> Status[dict[str, Any]]:
    member = membership(request, write=True)
    channel = actions.do_create_channel(
        member, payload.network, payload.name, payload.settings, payload.credentials,
        payload.timezone, payload.queue_times,
    )  # fmt: skip
    return Status(201, channel_out(channel))


@router.get("/channels/{int:channel_id}", response=ChannelOut, summary="Read a channel")
def read_channel(request: HttpRequest, channel_id: int) -> dict[str, Any]:
    return channel_out(actions.access_channel(membership(request), channel_id))


@router.patch("/channels/{int:channel_id}", response=ChannelOut, summary="Change or reconnect")
def update_channel(request: HttpRequest, channel_id: int, payload: ChannelPatch) -> dict[str, Any]:
    member = membership(request, write=True)
    channel = actions.access_channel(member, channel_id, Role.EDITOR)
    return channel_out(
        actions.do_update_channel(member, channel, **payload.dict(exclude_none=True))
    )


@router.post("/channels/{int:channel_id}/test", response=TestOut, summary="Test the connection")
def test_channel(request: HttpRequest, channel_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    channel = actions.access_channel(member, channel_id, Role.EDITOR)
    ok, message = actions.do_test_channel(member, channel)
    return {"ok": ok, "message": message, "status": channel.status}


@router.delete("/channels/{int:channel_id}", response={204: None}, summary="Remove a channel")
def delete_channel(request: HttpRequest, channel_id: int) -> Status[None]:
    member = membership(request, write=True)
    actions.do_delete_channel(member, actions.access_channel(member, channel_id, Role.EDITOR))
    return Status(204, None)


class DeliveryOut(Schema):
    id: int
    post: int
    channel: int
    channel_name: str
    due_at: datetime
    state: str
    attempts: int
    error: str
    error_kind: str
    remote_id: str
    remote_url: str
    sent_at: datetime | None
    # Deleting the post from its network (POST /deliveries/{id}/delete): the last failure's
    # reason (while retrying, or why the network refused) and when it was deleted.
    delete_attempts: int
    delete_error: str
    deleted_at: datetime | None


def delivery_out(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.pk, "post": d.post_id, "channel": d.channel_id, "channel_name": d.channel.name,
        "due_at": d.due_at, "state": d.state, "attempts": d.attempts, "error": d.error,
        "error_kind": d.error_kind, "remote_id": d.remote_id, "remote_url": d.remote_url,
        "sent_at": d.sent_at, "delete_attempts": d.delete_attempts,
        "delete_error": d.delete_error, "deleted_at": d.deleted_at,
    }  # fmt: skip


class ProblemOut(Schema):
    channel: str
    field: str
    message: str


class PostOut(Schema):
    id: int
    status: str
    title: str
    text: str
    link: str
    channels: list[int]
    variants: dict[str, str]
    scheduled_at: datetime | None
    timezone: str
    repeat_every: int | None
    repeat_unit: str
    repeat_until: datetime | None
    review_comment: str
    author: str | None
    deliveries: list[DeliveryOut]
    note: str = ""


def post_out(post: Post, note: str = "") -> dict[str, Any]:
    return {
        "id": post.pk, "status": post.status, "title": post.title, "text": post.text,
        "link": post.link, "channels": [c.pk for c in post.channels.all()],
        "variants": {str(v.channel_id): v.text for v in post.variants.all()},
        "scheduled_at": post.scheduled_at, "timezone": post.timezone,
        "repeat_every": post.repeat_every, "repeat_unit": post.repeat_unit,
        "repeat_until": post.repeat_until, "review_comment": post.review_comment,
        "author": post.author.email if post.author else None,
        "deliveries": [delivery_out(d) for d in post.deliveries.select_related("channel")],
        "note": note,
    }  # fmt: skip


class PostIn(Schema):
    text: str = ""
    title: str = ""
    link: str = ""
    channels: list[int] = []
    variants: dict[int, str] = {}
    scoop: int | None = None


class ScheduleIn(Schema):
    when: Literal["now", "at", "queue"] = "at"
    date: dt.date | None = None
    time: dt.time | None = None
    timezone: str = "UTC"
    repeat_every: int | None = None
    repeat_unit: Literal["hour", "day", "week", ""] = ""
    repeat_until: datetime | None = None


class RejectIn(Schema):
    comment: str


def _channels(member: Any, ids: list[int]) -> list[Channel]:
    found = list(Channel.objects.filter(workspace=member.workspace, pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"channels": "A channel does not exist in this workspace."})
    return found


def _save(member: Any, post: Post | None, payload: PostIn) -> Post:
    from outlier.curation.actions import access_scoop

    scoop = access_scoop(member, payload.scoop) if payload.scoop else None
    return actions.do_save_post(
        member, post, text=payload.text, title=payload.title, link=payload.link,
        channels=_channels(member, payload.channels), variants=payload.variants, scoop=scoop,
    )  # fmt: skip


@router.get("/posts", response=list[PostOut], summary="List posts, newest first")
def list_posts(request: HttpRequest, status: str | None = None, limit: int = 50,
               offset: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    member = membership(request)
    posts = Post.objects.filter(workspace=member.workspace).prefetch_related("channels", "variants")
    if status:
        posts = posts.filter(status=status)
    limit = max(1, min(limit, 200))
    return [post_out(p) for p in posts[max(0, offset) : max(0, offset) + limit]]


@router.post("/posts", response={201: PostOut}, summary="Create a draft post")
def create_post(request: HttpRequest, payload: PostIn) -> Status[dict[str, Any]]:
    return Status(201, post_out(_save(membership(request, write=True), None, payload)))


@router.get("/posts/{int:post_id}", response=PostOut, summary="Read a post with its deliveries")
def read_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    return post_out(actions.access_post(membership(request), post_id))


@router.patch("/posts/{int:post_id}", response=PostOut, summary="Change a post's content")
def update_post(request: HttpRequest, post_id: int, payload: PostIn) -> dict[str, Any]:
    member = membership(request, write=True)
    return post_out(_save(member, actions.access_post(member, post_id, Role.CONTRIBUTOR), payload))


@router.post("/posts/{int:post_id}/validate", response=list[ProblemOut],
             summary="Check the post against every channel's rules")  # fmt: skip
def validate_post(request: HttpRequest, post_id: int) -> list[dict[str, str]]:
    post = actions.access_post(membership(request), post_id)
    return [{"channel": name, "field": p.field, "message": p.message}
            for name, problems in actions.check_post(post).items() for p in problems]  # fmt: skip


@router.post("/posts/{int:post_id}/schedule", response=PostOut,
             summary="Post now, at a time in a zone, or in the queue")  # fmt: skip
def schedule_post(request: HttpRequest, post_id: int, payload: ScheduleIn) -> dict[str, Any]:
    member = membership(request, write=True)
    post = actions.access_post(member, post_id, Role.CONTRIBUTOR)
    post, note = actions.do_schedule_post(
        member, post, when=payload.when, day=payload.date, at=payload.time,
        tz_name=payload.timezone, repeat_every=payload.repeat_every,
        repeat_unit=payload.repeat_unit, repeat_until=payload.repeat_until,
    )  # fmt: skip
    return post_out(post, note)


@router.post("/posts/{int:post_id}/queue", response=PostOut, summary="Add to the channel's queue")
def queue_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    post = actions.access_post(member, post_id, Role.CONTRIBUTOR)
    post, note = actions.do_schedule_post(member, post, when="queue")
    return post_out(post, note)


@router.post("/posts/{int:post_id}/approve", response=PostOut, summary="Approve (editors)")
def approve_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    return post_out(actions.do_approve(member, actions.access_post(member, post_id)))


@router.post("/posts/{int:post_id}/reject", response=PostOut, summary="Send back with a comment")
def reject_post(request: HttpRequest, post_id: int, payload: RejectIn) -> dict[str, Any]:
    member = membership(request, write=True)
    post = actions.access_post(member, post_id)
    return post_out(actions.do_reject(member, post, payload.comment))


@router.post(
    "/posts/{int:post_id}/cancel", response=PostOut, summary="Cancel what has not gone out"
)
def cancel_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    return post_out(actions.do_cancel(member, actions.access_post(member, post_id)))


@router.get("/deliveries", response=list[DeliveryOut], summary="Deliveries with states and errors")
def list_deliveries(request: HttpRequest, state: str | None = None, limit: int = 100,
                    offset: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    member = membership(request)
    rows = Delivery.objects.filter(post__workspace=member.workspace).select_related("channel")
    if state:
        rows = rows.filter(state=state)
    limit = max(1, min(limit, 500))
    return [delivery_out(d) for d in rows.order_by("-due_at")[max(0, offset) : offset + limit]]


@router.post("/deliveries/{int:delivery_id}/retry", response=DeliveryOut, summary="Send again")
def retry_delivery(request: HttpRequest, delivery_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    delivery = queries.access_delivery(member, delivery_id)
    return delivery_out(actions.do_retry_delivery(member, delivery))


@router.post(
    "/deliveries/{int:delivery_id}/delete", response={202: DeliveryOut},
    summary="Delete the sent post from its network (editors)",
)  # fmt: skip
def delete_delivery(request: HttpRequest, delivery_id: int) -> Status[dict[str, Any]]:
    """Accepted: the delivery is `deleting` and a worker deletes the post from the network,
    retrying transient errors; read the delivery to see it become `deleted`, or back to `sent`
    with `delete_error` when the network refuses. 400 when it cannot be deleted (never sent,
    already deleted or being deleted, a network that cannot delete: webhook, e-mail); 403 below
    the editor role; 404 for a delivery of another workspace."""
    member = membership(request, write=True)
    delivery = queries.access_delivery(member, delivery_id)
    return Status(202, delivery_out(actions.do_delete_from_network(member, delivery)))


class CalendarEntry(Schema):
    delivery: int
    post: int
    channel: int
    channel_name: str
    due_at: datetime
    state: str
    post_status: str
    text: str


@router.get("/calendar", response=list[CalendarEntry],
            summary="Scheduled and published posts between two instants")  # fmt: skip
def calendar(request: HttpRequest, start: datetime, end: datetime,
             channel: int | None = None) -> list[dict[str, Any]]:  # fmt: skip
    member = membership(request)
    # A time without a zone is read as UTC.
    start, end = (t if timezone.is_aware(t) else t.replace(tzinfo=UTC) for t in (start, end))
    if end <= start or (end - start).days > 62:
        raise ValidationError("The range must run forward and span at most 62 days.")
    return [
        {"delivery": d.pk, "post": d.post_id, "channel": d.channel_id,
         "channel_name": d.channel.name, "due_at": d.due_at, "state": d.state,
         "post_status": d.post.status, "text": (d.post.title or d.post.text)[:200]}
        for d in queries.calendar_deliveries(member.workspace, start, end, channel)
    ]  # fmt: skip


class ImportErrorOut(Schema):
    column: str
    message: str
    text: str


class ImportRowOut(Schema):
    row: int
    ok: bool
    outcome: Literal["scheduled", "awaiting_approval", "valid", "failed"]
    post: int | None
    when: str
    scheduled_at: datetime | None
    timezone: str
    channels: list[str]
    text: str
    link: str
    image_url: str
    errors: list[ImportErrorOut]
    notes: list[str]


class ImportOut(Schema):
    check_only: bool
    layout: str
    columns: list[str]
    notes: list[str]
    total: int
    scheduled: int
    awaiting_approval: int
    valid: int
    failed: int
    rows: list[ImportRowOut]


IMPORT_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The CSV file (1 MB)"},
        "date_format": {"type": "string", "enum": ["MM/DD/YYYY", "DD/MM/YYYY"],
                        "default": "MM/DD/YYYY"},
        "timezone": {"type": "string", "description": "IANA zone; empty: each channel's"},
        "channels": {"type": "array", "items": {"type": "integer"},
                     "description": "Channel ids for rows that name none"},
        "check_only": {"type": "boolean", "default": False},
    },
}  # fmt: skip
_TRUE = ("1", "true", "yes", "on")


@router.post(
    "/posts/import", response=ImportOut, summary="Import scheduled posts from a CSV file",
    openapi_extra={"requestBody": {"required": True,
                                   "content": {"multipart/form-data": {"schema": IMPORT_FORM}}}},
)  # fmt: skip
def import_posts(request: HttpRequest) -> dict[str, Any]:
    """Multipart form: `file`, `date_format`, `timezone`, `channels` (repeated or comma-separated
    ids) and `check_only`. Answers the per-row report (200), also when some rows failed; a file
    that cannot be imported at all is a 400 on `file`. `check_only` needs only the read scope.
    """
    from outlier.publishing import bulk_import

    check_only = request.POST.get("check_only", "").strip().lower() in _TRUE
    member = membership(request, write=not check_only)
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError({"file": "Send the CSV file as the multipart field “file”."})
    raw_ids = [p.strip() for v in request.POST.getlist("channels") for p in v.split(",")]
    if any(not p.isdigit() for p in raw_ids if p):
        raise ValidationError({"channels": "Channels are given by their ids."})
    report = bulk_import.do_import(
        member, upload, request.POST.get("timezone", ""),
        request.POST.get("date_format", "MM/DD/YYYY"),
        _channels(member, [int(p) for p in raw_ids if p]), check_only=check_only,
    )  # fmt: skip
    return report.as_dict()
