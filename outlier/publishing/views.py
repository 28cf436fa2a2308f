"""The publisher's screens: channels, the composer, the calendar, the queue, approvals.

Thin: every write goes through `actions` (or `images`, `notifications` until they move there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from urllib.parse import unquote
from zoneinfo import available_timezones

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from outlier.core.actions import access_workspace
from outlier.core.authn import request_user
from outlier.core.forms import add_errors
from outlier.core.models import Membership, Role
from outlier.curation.actions import access_scoop
from outlier.curation.models import Scoop
from outlier.networks import registry
from outlier.publishing import actions, images, notifications, queries, timing
from outlier.publishing.forms import (
    DAY_NAMES,
    ChannelForm,
    MoveForm,
    NoteForm,
    PostForm,
    RejectForm,
    ScheduleForm,
    channel_initial,
    post_initial,
)
from outlier.publishing.models import (
    Channel,
    Delivery,
    DeliveryState,
    Post,
    PostStatus,
    PostVariant,
)

FORM_NETWORKS = ("webhook", "email")  # networks whose connect form exists
FINAL = (PostStatus.PUBLISHED, PostStatus.CANCELLED)
TZ_COOKIE = "outlier_tz"


def _member(request: HttpRequest, ws: str, role: str = Role.VIEWER) -> Membership:
    return access_workspace(request_user(request), ws, role)


def _page(request: HttpRequest, template: str, member: Membership, **context: Any) -> HttpResponse:
    context.update(membership=member, workspace=member.workspace)
    return render(request, f"publishing/{template}", context)


@cache
def timezone_names() -> list[str]:
    return sorted(available_timezones())


def _networks() -> list[tuple[str, str]]:
    adapters = getattr(registry, "ADAPTERS", {})
    return [(n, registry.RULES[n].label) for n in FORM_NETWORKS if n in adapters]


def _can_edit(member: Membership, post: Post) -> bool:
    try:
        actions.check_can_edit_post(member, post)
    except PermissionDenied:
        return False
    return True


def _route_errors(exc: ValidationError, *targets: forms.Form, aliases: dict[str, str]) -> None:
    """An action's errors beside the field they concern, in whichever form has that field."""
    if not hasattr(exc, "error_dict"):
        targets[0].add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        name = aliases.get(key, key)
        form = next((f for f in targets if name in f.fields), targets[0])
        form.add_error(name if name in form.fields else None, errors)


# --- channels ---------------------------------------------------------------------------------


@login_required
def channels(request: HttpRequest, ws: str) -> HttpResponse:
    member = _member(request, ws)
    rows = Channel.objects.filter(workspace=member.workspace)
    return _page(request, "channels.html", member, channels=rows, now=timezone.now(),
                 can_manage=member.allows(Role.EDITOR), networks=_networks())  # fmt: skip


@login_required
def channel_new(request: HttpRequest, ws: str) -> HttpResponse:
    member = _member(request, ws, Role.EDITOR)
    network = request.POST.get("network") or request.GET.get("network", "")
    networks = dict(_networks())
    if network not in networks:
        return _page(request, "channel_networks.html", member, networks=networks.items())
    form = ChannelForm(request.POST or None, network=network, initial={"timezone": "UTC"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = actions.do_create_channel(
                member, network, data["name"], form.channel_settings(),
                form.channel_credentials(), data["timezone"].strip(), data["queue_times"],
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Channel “{channel.name}” connected. Test it below.")
            return redirect("publishing:channel", ws, channel.pk)
    return _page(request, "channel_form.html", member, form=form, network=network,
                 network_label=networks[network], timezones=timezone_names())  # fmt: skip


@login_required
def channel(request: HttpRequest, ws: str, channel_id: int) -> HttpResponse:
    member = _member(request, ws, Role.EDITOR)
    found = actions.access_channel(member, channel_id, Role.EDITOR)
    verb = request.POST.get("action", "save")
    if request.method == "POST" and verb == "delete":
        actions.do_delete_channel(member, found)
        messages.success(request, f"Channel “{found.name}” removed.")
        return redirect("publishing:channels", ws)
    if request.method == "POST" and verb == "test":
        ok, message = actions.do_test_channel(member, found)
        (messages.success if ok else messages.error)(request, message)
        return redirect("publishing:channel", ws, found.pk)
    form = ChannelForm(request.POST or None, network=found.network, editing=True,
                       initial=channel_initial(found))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_update_channel(
                member, found, name=data["name"], timezone=data["timezone"].strip(),
                queue_times=data["queue_times"], settings=form.channel_settings(),
                credentials=form.channel_credentials(),
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
            found.refresh_from_db()
        else:
            messages.success(request, "Channel saved.")
            return redirect("publishing:channel", ws, found.pk)
    return _page(request, "channel_form.html", member, form=form, channel=found,
                 network=found.network, network_label=registry.RULES[found.network].label,
                 timezones=timezone_names(), now=timezone.now())  # fmt: skip


# --- the composer -----------------------------------------------------------------------------

SCHEDULE_ALIASES = {"scheduled_at": "day", "queue": "when"}


@dataclass
class Composer:
    """The composer's two forms and what they were built from."""

    member: Membership
    post: Post | None
    channels: list[Channel]
    form: PostForm
    schedule: ScheduleForm
    scoop: Scoop | None = None
    errors: list[ValidationError] = field(default_factory=list)


def _schedule_initial(post: Post | None) -> dict[str, Any]:
    if post is None or post.scheduled_at is None:
        return {"when": "at"}
    local = timing.local(post.scheduled_at, post.timezone)
    initial: dict[str, Any] = {"when": "at", "day": local.date(), "at": local.time(),
                               "timezone": post.timezone}  # fmt: skip
    if post.repeat_every:
        initial.update(repeat_every=post.repeat_every, repeat_unit=post.repeat_unit)
        if post.repeat_until:
            initial["repeat_until"] = timing.local(post.repeat_until, post.timezone).date()
    return initial


def _build(
    member: Membership,
    post: Post | None,
    data: QueryDict | None,
    files: Any = None,
    initial: dict[str, Any] | None = None,
    scoop: Scoop | None = None,
) -> Composer:
    channel_list = list(Channel.objects.filter(workspace=member.workspace))
    existing = list(post.images.all()) if post else []
    if initial is None:
        initial = post_initial(post) if post else {}
    form = PostForm(data, files, channels=channel_list, existing=existing, initial=initial)
    schedule = ScheduleForm(data, initial=_schedule_initial(post),
                            can_post_now=member.allows(Role.EDITOR))  # fmt: skip
    return Composer(member, post, channel_list, form, schedule, scoop)


def _schedule_args(composer: Composer, post: Post) -> dict[str, Any]:
    data = composer.schedule.cleaned_data
    chosen = list(post.channels.all())
    tz_name = (data.get("timezone") or "").strip() or (chosen[0].timezone if chosen else "UTC")
    repeat_every = data.get("repeat_every") if data.get("repeat_unit") else None
    until = data.get("repeat_until")
    repeat_until = None
    if repeat_every and until:
        repeat_until = timing.resolve(until, time(23, 59), tz_name).instant
    return {"when": data["when"], "day": data.get("day"), "at": data.get("at"), "tz_name": tz_name,
            "repeat_every": repeat_every, "repeat_unit": data.get("repeat_unit") or "",
            "repeat_until": repeat_until}  # fmt: skip


def _apply_images(composer: Composer, post: Post) -> None:
    form, member = composer.form, composer.member
    for image_id in form.removals():
        images.do_remove_image(member, post, image_id)
    for image_id, alt in form.alt_changes().items():
        images.do_update_image(member, post, image_id, alt)
    for _, upload, alt in form.uploads():
        try:
            images.do_add_image(member, post, upload, alt)
        except ValidationError as exc:
            composer.errors.append(exc)


def _describe(post: Post) -> str:
    assert post.scheduled_at is not None
    local = timing.local(post.scheduled_at, post.timezone)
    text = f"{local:%a %d %b %Y, %H:%M} ({post.timezone})"
    if post.repeat_every and post.repeat_until:
        until = timing.local(post.repeat_until, post.timezone)
        text += f", then every {post.repeat_every} {post.get_repeat_unit_display()}"
        text += f" until {until:%d %b %Y}"
    return text


def _save(request: HttpRequest, composer: Composer) -> HttpResponse | None:
    """Save the content, then the images, then (when asked) schedule. None: show the errors."""
    form, schedule, member = composer.form, composer.schedule, composer.member
    scheduling = request.POST.get("action") == "schedule"
    if not form.is_valid() or (scheduling and not schedule.is_valid()):
        return None
    data = form.cleaned_data
    try:
        post = actions.do_save_post(
            member, composer.post, text=data["text"], link=data["link"], title=data["title"],
            channels=data["channels"], variants=form.variants(), scoop=composer.scoop,
        )  # fmt: skip
    except ValidationError as exc:
        composer.errors.append(exc)
        return None
    composer.post = post
    _apply_images(composer, post)
    if composer.errors:
        return None
    if not scheduling:
        messages.success(request, "Saved." if post.status != PostStatus.DRAFT else "Draft saved.")
        return redirect("publishing:post", member.workspace.slug, post.pk)
    try:
        post, note = actions.do_schedule_post(member, post, **_schedule_args(composer, post))
    except ValidationError as exc:
        composer.errors.append(exc)
        return None
    if post.status == PostStatus.AWAITING_APPROVAL:
        messages.success(request, f"Sent to the editors for approval: {_describe(post)}.")
    elif schedule.cleaned_data["when"] == "now":
        messages.success(request, "Sending now.")
    else:
        messages.success(request, f"Scheduled for {_describe(post)}.")
    if note:
        messages.warning(request, note)
    return redirect("publishing:post", member.workspace.slug, post.pk)


def _composer(request: HttpRequest, composer: Composer) -> HttpResponse:
    if request.method == "POST":
        response = _save(request, composer)
        if response is not None:
            return response
        if composer.errors and composer.post is not None:
            # The content was saved: show the stored post (its images, its address) with the
            # typed values and the errors beside their fields.
            data = request.POST.copy()
            for key in [k for k in data if k.startswith(("image_alt_", "remove_"))]:
                del data[key]
            for image in composer.post.images.all():
                data.setdefault(f"alt_{image.pk}", image.alt)
            rebuilt = _build(composer.member, composer.post, data, scoop=composer.scoop)
            rebuilt.form.is_valid()
            rebuilt.schedule.is_valid()
            rebuilt.errors = composer.errors
            composer = rebuilt
        for exc in composer.errors:
            _route_errors(exc, composer.form, composer.schedule, aliases=SCHEDULE_ALIASES)
    return _composer_page(request, composer)


def _channel_json(channel: Channel) -> dict[str, Any]:
    rules = registry.RULES.get(channel.network)
    data: dict[str, Any] = {"id": channel.pk, "name": channel.name, "network": channel.network,
                            "timezone": channel.timezone}  # fmt: skip
    if rules is not None:
        data.update(label=rules.label, max_length=rules.max_length, counter=rules.counter,
                    link_length=rules.link_length, link_in_text=rules.link_in_text,
                    mentions_without_domain=rules.mentions_without_domain,
                    max_text_bytes=rules.max_text_bytes, max_title_length=rules.max_title_length,
                    max_images=rules.max_images, requires_text=rules.requires_text)  # fmt: skip
    return data


def _composer_page(request: HttpRequest, composer: Composer) -> HttpResponse:
    post, member = composer.post, composer.member
    context: dict[str, Any] = {
        "post": post,
        "form": composer.form,
        "schedule": composer.schedule,
        "scoop": composer.scoop,
        "editable": post is None or (_can_edit(member, post) and post.status not in FINAL),
        "is_editor": member.allows(Role.EDITOR),
        "channels_json": [_channel_json(c) for c in composer.channels],
        "timezones": timezone_names(),
    }
    if post is not None:
        context.update(_post_context(member, post))
    return _page(request, "composer.html", member, **context)


def _post_context(member: Membership, post: Post) -> dict[str, Any]:
    deliveries = post.deliveries.select_related("channel").prefetch_related("events")
    return {
        "deliveries": deliveries,
        "notes": post.notes.select_related("author"),
        "note_form": NoteForm(),
        "reject_form": RejectForm(),
        "can_edit": _can_edit(member, post),
        "can_cancel": post.status
        in (PostStatus.DRAFT, PostStatus.AWAITING_APPROVAL, PostStatus.SCHEDULED)
        or post.deliveries.filter(state__in=actions.PENDING).exists(),
        "when": _describe(post) if post.scheduled_at else "",
        "variants": PostVariant.objects.filter(post=post).select_related("channel"),
        "images": post.images.all(),
    }


@login_required
def compose(request: HttpRequest, ws: str) -> HttpResponse:
    member = _member(request, ws, Role.CONTRIBUTOR)
    scoop_id = request.POST.get("scoop") or request.GET.get("scoop") or ""
    scoop = access_scoop(member, int(scoop_id)) if scoop_id.isdigit() else None
    initial: dict[str, Any] = {}
    if scoop is not None:
        initial.update(actions.draft_from_scoop(scoop))
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    return _composer(request, _build(member, None, data, files, initial, scoop))


@login_required
def post(request: HttpRequest, ws: str, post_id: int) -> HttpResponse:
    member = _member(request, ws)
    found = actions.access_post(member, post_id)
    if request.method == "POST":
        actions.check_can_edit_post(member, found)
        if found.status in FINAL:
            messages.error(request, "This post was already sent or cancelled; it cannot change.")
            return redirect("publishing:post", ws, found.pk)
        return _composer(request, _build(member, found, request.POST, request.FILES))
    return _composer(request, _build(member, found, None))


POST_VERBS = {"approve", "reject", "cancel", "note"}


@login_required
@require_POST
def post_action(request: HttpRequest, ws: str, post_id: int, verb: str) -> HttpResponse:
    if verb not in POST_VERBS:
        raise Http404("Unknown action.")
    member = _member(request, ws, Role.CONTRIBUTOR)
    found = actions.access_post(member, post_id, Role.CONTRIBUTOR)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    try:
        if verb == "approve":
            actions.do_approve(member, found)
            if found.status == PostStatus.MISSED:
                messages.warning(request, "Approved, but its time has passed: it was not sent.")
            else:
                messages.success(request, f"Approved: {_describe(found)}.")
        elif verb == "reject":
            actions.do_reject(member, found, request.POST.get("comment", ""))
            messages.success(request, "Sent back to the author with your comment.")
        elif verb == "cancel":
            actions.do_cancel(member, found)
            messages.success(request, "Cancelled: nothing more of it will be sent.")
        elif verb == "note":
            actions.do_add_note(member, found, request.POST.get("text", ""))
            messages.success(request, "Note added.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back or reverse("publishing:post", args=[ws, found.pk]))


DELIVERY_VERBS = {"retry", "confirm"}


@login_required
@require_POST
def delivery_action(
    request: HttpRequest, ws: str, post_id: int, delivery_id: int, verb: str
) -> HttpResponse:
    if verb not in DELIVERY_VERBS:
        raise Http404("Unknown action.")
    member = _member(request, ws, Role.CONTRIBUTOR)
    delivery = queries.access_delivery(member, delivery_id)
    if delivery.post_id != post_id:
        raise Http404("No such delivery on this post.")
    try:
        if verb == "retry":
            actions.do_retry_delivery(member, delivery)
            messages.success(request, f"Sending to {delivery.channel.name} again.")
        else:
            actions.do_confirm_delivery(member, delivery, request.POST.get("url", "").strip())
            messages.success(request, f"Marked as arrived on {delivery.channel.name}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("publishing:post", ws, post_id)


# --- calendar and queue -----------------------------------------------------------------------


def _view_zone(request: HttpRequest) -> tuple[str, bool]:
    """The zone to show times in: ?tz=, else the cookie the page's script set, else UTC."""
    for name, explicit in ((request.GET.get("tz", ""), True),
                           (unquote(request.COOKIES.get(TZ_COOKIE, "")), False)):  # fmt: skip
        if name:
            try:
                timing.zone(name)
            except ValidationError:
                continue
            return name, explicit
    return "UTC", False


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


STATE_ORDER = ["failed", "unconfirmed", "retrying", "sending", "scheduled", "sent"]


def _movable(member: Membership, post: Post, due: datetime, states: set[str]) -> bool:
    if not _can_edit(member, post) or due != post.scheduled_at:
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
    member = _member(request, ws)
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
    response = _page(request, "calendar.html", member, **grid, weeks=weeks, tz=tz_name,
                     tz_explicit=explicit, channel=chosen, keep=keep, timezones=timezone_names(),
                     channels=Channel.objects.filter(workspace=member.workspace),
                     week_rows=week_rows, weekday_names=DAY_NAMES)  # fmt: skip
    return _remember_zone(response, tz_name, explicit)


@login_required
@require_POST
def post_move(request: HttpRequest, ws: str, post_id: int) -> JsonResponse:
    """The calendar's drag and drop: day and time in the calendar's zone; answers JSON."""
    member = _member(request, ws, Role.CONTRIBUTOR)
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
                         "when": _describe(moved)})  # fmt: skip


@login_required
def queue(request: HttpRequest, ws: str) -> HttpResponse:
    member = _member(request, ws)
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
    response = _page(request, "queue.html", member, upcoming=upcoming, tz=tz_name, channel=chosen,
                     tz_explicit=explicit,
                     channels=Channel.objects.filter(workspace=member.workspace),
                     timezones=timezone_names())  # fmt: skip
    return _remember_zone(response, tz_name, explicit)


# --- approvals and notifications -------------------------------------------------------------


@login_required
def approvals(request: HttpRequest, ws: str) -> HttpResponse:
    member = _member(request, ws, Role.EDITOR)
    waiting = (
        Post.objects.filter(workspace=member.workspace, status=PostStatus.AWAITING_APPROVAL)
        .select_related("author")
        .prefetch_related("channels", "images")
        .order_by("scheduled_at", "pk")
    )
    rows = [(p, _describe(p) if p.scheduled_at else "") for p in waiting]
    return _page(request, "approvals.html", member, rows=rows, reject_form=RejectForm(),
                 now=timezone.now())  # fmt: skip


@login_required
def notification_list(request: HttpRequest, ws: str) -> HttpResponse:
    member = _member(request, ws)
    if request.method == "POST":
        notifications.do_mark_read(member)
        messages.success(request, "All marked read.")
        return redirect("publishing:notifications", ws)
    rows = notifications.notifications_for(member)[:200]
    return _page(request, "notifications.html", member, rows=rows)


@login_required
def notification_open(request: HttpRequest, ws: str, notification_id: int) -> HttpResponse:
    member = _member(request, ws)
    found = notifications.notifications_for(member).filter(pk=notification_id).first()
    if found is None:
        raise Http404("No such notification.")
    notifications.do_mark_read(member, [found.pk])
    link = found.link
    if not link.startswith("/") or not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        link = reverse("publishing:notifications", args=[ws])
    return redirect(link)
