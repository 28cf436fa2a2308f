"""The publisher's screens: the composer, a post's page, drafts, approvals, notifications.

Channels are in `channel_views`, the calendar and the queue in `calendar_views`.

Thin: every write goes through `actions` (or `images`, `notifications` until they move there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from functools import cache
from typing import Any
from urllib.parse import unquote, urlencode
from zoneinfo import available_timezones

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from outlier.core.actions import access_workspace
from outlier.core.authn import request_user
from outlier.core.models import Membership, Role
from outlier.curation.actions import access_scoop
from outlier.curation.models import Scoop
from outlier.links.models import Campaign
from outlier.networks import registry
from outlier.publishing import actions, content, images, media, notifications, queries, timing
from outlier.publishing.forms import (
    NoteForm,
    PostForm,
    RejectForm,
    ScheduleForm,
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

FINAL = (PostStatus.PUBLISHED, PostStatus.CANCELLED)
TZ_COOKIE = "outlier_tz"


def member_for(request: HttpRequest, ws: str, role: str = Role.VIEWER) -> Membership:
    return access_workspace(request_user(request), ws, role)


def render_page(
    request: HttpRequest, template: str, member: Membership, **context: Any
) -> HttpResponse:
    context.update(membership=member, workspace=member.workspace)
    return render(request, f"publishing/{template}", context)


def view_zone(request: HttpRequest) -> tuple[str, bool]:
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


@cache
def timezone_names() -> list[str]:
    return sorted(available_timezones())


def form_networks() -> list[tuple[str, str]]:
    """The networks a channel can be connected to: every one with an adapter."""
    return [(name, adapter.label) for name, adapter in registry.ADAPTERS.items()]


def can_edit(member: Membership, post: Post) -> bool:
    try:
        actions.check_can_edit_post(member, post)
    except PermissionDenied:
        return False
    return True


def route_errors(exc: ValidationError, *targets: forms.Form, aliases: dict[str, str]) -> None:
    """An action's errors beside the field they concern, in whichever form has that field."""
    if not hasattr(exc, "error_dict"):
        targets[0].add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        name = aliases.get(key, key)
        form = next((f for f in targets if name in f.fields), targets[0])
        form.add_error(name if name in form.fields else None, errors)


# --- the composer -----------------------------------------------------------------------------

SCHEDULE_ALIASES = {"scheduled_at": "day", "queue": "when", "media": "media_file"}


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
    existing_media = media.media_of(post) if post else None
    if initial is None:
        initial = post_initial(post) if post else {}
    campaigns = Campaign.objects.filter(workspace=member.workspace)
    form = PostForm(data, files, channels=channel_list, existing=existing, initial=initial,
                    campaigns=campaigns, existing_media=existing_media)  # fmt: skip
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
    """Removals first (an image or the video may make room for the other), then changes, then
    new images, then the new video or audio file."""
    form, member = composer.form, composer.member
    for image_id in form.removals():
        images.do_remove_image(member, post, image_id)
    if form.media_removed():
        media.do_remove_media(member, post)
    for image_id, alt in form.alt_changes().items():
        images.do_update_image(member, post, image_id, alt)
    description = form.media_description_change()
    if description is not None:
        media.do_describe_media(member, post, description)
    for _, upload, alt in form.uploads():
        try:
            images.do_add_image(member, post, upload, alt)
        except ValidationError as exc:
            composer.errors.append(exc)
    chosen = form.media_upload()
    if chosen is not None:
        try:
            media.do_set_media(member, post, *chosen)
        except ValidationError as exc:
            composer.errors.append(exc)


def describe(post: Post) -> str:
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
            campaign=data["campaign"], tracking=data["tracking"],
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
        messages.success(request, f"Sent to the editors for approval: {describe(post)}.")
    elif schedule.cleaned_data["when"] == "now":
        messages.success(request, "Sending now.")
    else:
        messages.success(request, f"Scheduled for {describe(post)}.")
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
            for key in [k for k in data if k.startswith(("image_alt_", "remove_", "media_remove"))]:
                del data[key]
            for image in composer.post.images.all():
                data.setdefault(f"alt_{image.pk}", image.alt)
            stored = media.media_of(composer.post)
            if stored is not None and not composer.form.media_upload():
                data["media_description"] = stored.description
            rebuilt = _build(composer.member, composer.post, data, scoop=composer.scoop)
            rebuilt.form.is_valid()
            rebuilt.schedule.is_valid()
            rebuilt.errors = composer.errors
            composer = rebuilt
        for exc in composer.errors:
            route_errors(exc, composer.form, composer.schedule, aliases=SCHEDULE_ALIASES)
    return _composer_page(request, composer)


def _channel_json(channel: Channel) -> dict[str, Any]:
    rules = content.rules_for(channel)
    data: dict[str, Any] = {"id": channel.pk, "name": channel.name, "network": channel.network,
                            "timezone": channel.timezone}  # fmt: skip
    if rules is not None:
        data.update(label=rules.label, max_length=rules.max_length, counter=rules.counter,
                    link_length=rules.link_length, link_in_text=rules.link_in_text,
                    mentions_without_domain=rules.mentions_without_domain,
                    max_text_bytes=rules.max_text_bytes, max_title_length=rules.max_title_length,
                    max_images=rules.max_images, requires_text=rules.requires_text,
                    max_thread_parts=rules.max_thread_parts)  # fmt: skip
    return data


def _composer_page(request: HttpRequest, composer: Composer) -> HttpResponse:
    post, member = composer.post, composer.member
    context: dict[str, Any] = {
        "post": post,
        "form": composer.form,
        "schedule": composer.schedule,
        "scoop": composer.scoop,
        "editable": post is None or (can_edit(member, post) and post.status not in FINAL),
        "is_editor": member.allows(Role.EDITOR),
        "channels_json": [_channel_json(c) for c in composer.channels],
        "timezones": timezone_names(),
    }
    if post is not None:
        context.update(_post_context(member, post))
    return render_page(request, "composer.html", member, **context)


@dataclass
class DeliveryRow:
    """A delivery as the post's page shows it: with its network's name, and whether this
    person may delete the sent post from there."""

    delivery: Delivery
    network: str
    can_delete: bool


def _delivery_rows(member: Membership, post: Post) -> list[DeliveryRow]:
    deliveries = post.deliveries.select_related("channel").prefetch_related("events")
    editor = member.allows(Role.EDITOR)
    rows = []
    for delivery in deliveries:
        network = delivery.channel.network
        can_delete = (editor and delivery.state == DeliveryState.SENT
                      and bool(delivery.remote_id) and actions.network_deletes(network))  # fmt: skip
        rows.append(DeliveryRow(delivery, actions.network_label(network), can_delete))
    return rows


def _post_context(member: Membership, post: Post) -> dict[str, Any]:
    rows = _delivery_rows(member, post)
    return {
        "deliveries": rows,
        "notes": post.notes.select_related("author"),
        "note_form": NoteForm(),
        "reject_form": RejectForm(),
        "can_edit": can_edit(member, post),
        "can_cancel": post.status
        in (PostStatus.DRAFT, PostStatus.AWAITING_APPROVAL, PostStatus.SCHEDULED)
        or post.deliveries.filter(state__in=actions.PENDING).exists(),
        "when": describe(post) if post.scheduled_at else "",
        "variants": PostVariant.objects.filter(post=post).select_related("channel"),
        "images": post.images.all(),
        "post_media": media.media_of(post),
    }


@login_required
def compose(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws, Role.CONTRIBUTOR)
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
    member = member_for(request, ws)
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
    member = member_for(request, ws, Role.CONTRIBUTOR)
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
                messages.success(request, f"Approved: {describe(found)}.")
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


DELIVERY_VERBS = {"retry", "confirm", "delete"}


@login_required
@require_POST
def delivery_action(
    request: HttpRequest, ws: str, post_id: int, delivery_id: int, verb: str
) -> HttpResponse:
    if verb not in DELIVERY_VERBS:
        raise Http404("Unknown action.")
    member = member_for(request, ws, Role.CONTRIBUTOR)
    delivery = queries.access_delivery(member, delivery_id)
    if delivery.post_id != post_id:
        raise Http404("No such delivery on this post.")
    try:
        if verb == "retry":
            actions.do_retry_delivery(member, delivery)
            messages.success(request, f"Sending to {delivery.channel.name} again.")
        elif verb == "delete":
            actions.do_delete_from_network(member, delivery)
            label = actions.network_label(delivery.channel.network)
            messages.success(request, f"Deleting it from {label} ({delivery.channel.name}).")
        else:
            actions.do_confirm_delivery(member, delivery, request.POST.get("url", "").strip())
            messages.success(request, f"Marked as arrived on {delivery.channel.name}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("publishing:post", ws, post_id)


# --- drafts -----------------------------------------------------------------------------------

DRAFTS_PER_PAGE = 50


@dataclass
class DraftRow:
    """A draft as the list shows it: its channels, and why it is not on its way if it was
    meant to be (scheduling refused, sent back by an editor, approved too late)."""

    post: Post
    channels: list[str]
    reason: str
    can_edit: bool


def _draft_reason(post: Post) -> str:
    if post.status == PostStatus.REJECTED:
        by = f" by {post.reviewed_by}" if post.reviewed_by else ""
        return f"Sent back{by}: {post.review_comment}" if post.review_comment else f"Sent back{by}."
    if post.status == PostStatus.MISSED:
        return "Approved after its time had passed, so it was not sent: choose a new time."
    if post.schedule_refused:
        return f"Scheduling was refused: {post.schedule_refused}"
    return ""


@login_required
def drafts(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    search = request.GET.get("q", "").strip()[: queries.SEARCH_MAX]
    found = Paginator(queries.drafts(member.workspace, search), DRAFTS_PER_PAGE)
    page = found.get_page(request.GET.get("page"))
    rows = [DraftRow(p, [c.name for c in p.channels.all()], _draft_reason(p), can_edit(member, p))
            for p in page]  # fmt: skip
    query = urlencode({"q": search}) if search else ""
    tz_name, _ = view_zone(request)
    return render_page(request, "drafts.html", member, rows=rows, page=page, search=search,
                       query=query, tz=tz_name)  # fmt: skip


# --- approvals and notifications -------------------------------------------------------------


@login_required
def approvals(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws, Role.EDITOR)
    waiting = (
        Post.objects.filter(workspace=member.workspace, status=PostStatus.AWAITING_APPROVAL)
        .select_related("author")
        .prefetch_related("channels", "images")
        .order_by("scheduled_at", "pk")
    )
    rows = [(p, describe(p) if p.scheduled_at else "") for p in waiting]
    return render_page(request, "approvals.html", member, rows=rows, reject_form=RejectForm(),
                 now=timezone.now())  # fmt: skip


@login_required
def notification_list(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    if request.method == "POST":
        notifications.do_mark_read(member)
        messages.success(request, "All marked read.")
        return redirect("publishing:notifications", ws)
    rows = notifications.notifications_for(member)[:200]
    return render_page(request, "notifications.html", member, rows=rows)


@login_required
def notification_open(request: HttpRequest, ws: str, notification_id: int) -> HttpResponse:
    member = member_for(request, ws)
    found = notifications.notifications_for(member).filter(pk=notification_id).first()
    if found is None:
        raise Http404("No such notification.")
    notifications.do_mark_read(member, [found.pk])
    link = found.link
    if not link.startswith("/") or not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        link = reverse("publishing:notifications", args=[ws])
    return redirect(link)
