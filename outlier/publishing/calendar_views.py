"""The calendar (month and week, drag to move) and the queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from outlier.core.models import Membership, Role
from outlier.publishing import actions, queries, timing
from outlier.publishing.forms import (
    DAY_NAMES,
    MoveForm,
)
from outlier.publishing.models import (
    Channel,
    Delivery,
    DeliveryState,
    Post,
    PostStatus,
)
from outlier.publishing.views import (
    TZ_COOKIE,
    can_edit,
    describe,
    member_for,
    render_page,
    timezone_names,
)
from outlier.publishing.views import view_zone as _view_zone

# --- calendar and queue -----------------------------------------------------------------------


def _remember_zone(response: HttpResponse, tz_name: str, explicit: bool) -> HttpResponse:
    if explicit:
        response.set_cookie(TZ_COOKIE, tz_name, max_age=365 * 86400, samesite="Lax")
    return response


@dataclass
class Card:
    post: Post
    at: datetime  # in the view's zone
    channels: list[str]
    state: str
    state_label: str
    movable: bool


@dataclass
class Day:
    day: date
    in_range: bool
    today: bool
    cards: list[Card] = field(default_factory=list)


STATE_ORDER = ["failed", "unconfirmed", "retrying", "sending", "scheduled", "deleting", "sent",
               "deleted"]  # fmt: skip


def _movable(member: Membership, post: Post, due: datetime, states: set[str]) -> bool:
    if not can_edit(member, post) or due != post.scheduled_at:
        return False
    if post.status == PostStatus.AWAITING_APPROVAL:
        # An editor moving it would approve it on the way: they approve it first instead.
        return not member.allows(Role.EDITOR)
    return post.status == PostStatus.SCHEDULED and states <= set(actions.PENDING)


def _cards(
    member: Membership, start: datetime, end: datetime, tz_name: str, channel_id: int | None
) -> list[Card]:
    groups: dict[tuple[int, datetime], list[Delivery]] = {}
    for delivery in queries.calendar_deliveries(member.workspace, start, end, channel_id):
        groups.setdefault((delivery.post_id, delivery.due_at), []).append(delivery)
    labels = dict(DeliveryState.choices)
    cards = []
    for (_, due), rows in groups.items():
        states = {d.state for d in rows}
        state = next(s for s in STATE_ORDER if s in states)
        post = rows[0].post
        cards.append(Card(post, timing.local(due, tz_name), [d.channel.name for d in rows],
                          state, labels[state], _movable(member, post, due, states)))  # fmt: skip
    waiting = Post.objects.filter(
        workspace=member.workspace, status=PostStatus.AWAITING_APPROVAL,
        scheduled_at__gte=start, scheduled_at__lt=end,
    ).prefetch_related("channels")  # fmt: skip
    if channel_id:
        waiting = waiting.filter(channels=channel_id)
    for post in waiting:
        assert post.scheduled_at is not None
        cards.append(Card(post, timing.local(post.scheduled_at, tz_name),
                          [c.name for c in post.channels.all()], "awaiting_approval",
                          "Awaiting", _movable(member, post, post.scheduled_at, set())))  # fmt: skip
    return sorted(cards, key=lambda c: c.at)


def _utc(day: date, tz_name: str) -> datetime:
    return timing.resolve(day, time(0, 0), tz_name).instant


def _month_start(value: str, today: date) -> date:
    try:
        year, month = (int(p) for p in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _week_start(value: str, today: date) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


def _grid(request: HttpRequest, tz_name: str) -> dict[str, Any]:
    today = timing.local(timezone.now(), tz_name).date()
    week_view = request.GET.get("view") == "week" or "week" in request.GET
    if week_view:
        first = _week_start(request.GET.get("week", ""), today)
        start, end, anchor = first, first + timedelta(days=7), first
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
        nav = {"prev": f"week={previous}", "next": f"week={following}", "today": "view=week"}
        title = f"Week of {first:%d %b %Y}"
    else:
        anchor = _month_start(request.GET.get("month", ""), today)
        start = anchor - timedelta(days=anchor.weekday())
        after = (anchor + timedelta(days=32)).replace(day=1)
        end = after + timedelta(days=(7 - after.weekday()) % 7)
        previous = (anchor - timedelta(days=1)).replace(day=1)
        nav = {"prev": f"month={previous:%Y-%m}", "next": f"month={after:%Y-%m}", "today": ""}
        title = f"{anchor:%B %Y}"
    days = []
    for offset in range((end - start).days):
        day = start + timedelta(days=offset)
        in_range = week_view or day.month == anchor.month
        days.append(Day(day, in_range, day == today))
    return {"week_view": week_view, "days": days, "start": start, "end": end, "nav": nav,
            "title": title, "anchor": anchor}  # fmt: skip


def _channel_filter(request: HttpRequest, member: Membership) -> Channel | None:
    value = request.GET.get("channel", "")
    if not value.isdigit():
        return None
    return Channel.objects.filter(workspace=member.workspace, pk=int(value)).first()


@login_required
def calendar(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    tz_name, explicit = _view_zone(request)
    grid = _grid(request, tz_name)
    chosen = _channel_filter(request, member)
    cards = _cards(member, _utc(grid["start"], tz_name), _utc(grid["end"], tz_name), tz_name,
                   chosen.pk if chosen else None)  # fmt: skip
    by_day = {d.day: d for d in grid["days"]}
    for card in cards:
        if card.at.date() in by_day:
            by_day[card.at.date()].cards.append(card)
    weeks = [grid["days"][i : i + 7] for i in range(0, len(grid["days"]), 7)]
    week_rows = [
        (f"{h:02d}:00", [(d, [c for c in d.cards if c.at.hour == h]) for d in grid["days"]])
        for h in range(24)
    ] if grid["week_view"] else []  # fmt: skip
    keep = "&".join(p for p in (f"channel={chosen.pk}" if chosen else "", f"tz={tz_name}") if p)
    response = render_page(request, "calendar.html", member, **grid, weeks=weeks, tz=tz_name,
                     tz_explicit=explicit, channel=chosen, keep=keep, timezones=timezone_names(),
                     channels=Channel.objects.filter(workspace=member.workspace),
                     week_rows=week_rows, weekday_names=DAY_NAMES)  # fmt: skip
    return _remember_zone(response, tz_name, explicit)


@login_required
@require_POST
def post_move(request: HttpRequest, ws: str, post_id: int) -> JsonResponse:
    """The calendar's drag and drop: day and time in the calendar's zone; answers JSON."""
    member = member_for(request, ws, Role.CONTRIBUTOR)
    found = actions.access_post(member, post_id, Role.CONTRIBUTOR)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "error": "Give a day and a time."}, status=400)
    view_zone = form.cleaned_data["tz"].strip() or found.timezone
    try:
        target = timing.resolve(form.cleaned_data["day"], form.cleaned_data["time"], view_zone)
        # Keep the post's own zone (its repeats follow that wall clock) unless the instant is
        # the second of a repeated hour there, which a wall time in that zone cannot name.
        local = timing.local(target.instant, found.timezone)
        zone = view_zone if local.fold else found.timezone
        if zone == view_zone:
            local = timing.local(target.instant, view_zone)
        moved, note = actions.do_reschedule(member, found, local.date(), local.time(), zone)
    except PermissionDenied as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": " ".join(exc.messages)}, status=400)
    assert moved.scheduled_at is not None
    shown = timing.local(moved.scheduled_at, view_zone)
    return JsonResponse({"ok": True, "day": shown.date().isoformat(), "time": f"{shown:%H:%M}",
                         "note": target.note or note, "status": moved.get_status_display(),
                         "when": describe(moved)})  # fmt: skip


@login_required
def queue(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    tz_name, explicit = _view_zone(request)
    chosen = _channel_filter(request, member)
    rows = (
        Delivery.objects.filter(
            post__workspace=member.workspace,
            state__in=[*actions.PENDING, DeliveryState.SENDING],
        )
        .select_related("post", "channel")
        .order_by("due_at", "pk")
    )
    if chosen:
        rows = rows.filter(channel=chosen)
    upcoming = [(timing.local(d.due_at, tz_name), d) for d in rows[:300]]
    response = render_page(request, "queue.html", member, upcoming=upcoming, tz=tz_name, channel=chosen,
                     tz_explicit=explicit,
                     channels=Channel.objects.filter(workspace=member.workspace),
                     timezones=timezone_names())  # fmt: skip
    return _remember_zone(response, tz_name, explicit)
