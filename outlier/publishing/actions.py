"""Writes about channels and posts: compose, validate, schedule, approve, cancel, notes.

The delivery state machine itself (claiming, sending, recording outcomes) is in
`dispatch.py`; this module creates and changes deliveries only on a person's request.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from outlier.core.markup import render_plain_text
from outlier.core.models import Membership, Role
from outlier.curation.models import Scoop
from outlier.curation.urlkeys import check_http_url
from outlier.links.models import Campaign
from outlier.networks import registry
from outlier.networks.base import Adapter, ErrorKind, Problem, PublishError
from outlier.publishing import content, queries, timing
from outlier.publishing.models import (
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryEvent,
    DeliveryState,
    Post,
    PostNote,
    PostStatus,
    PostVariant,
    RepeatUnit,
)
from outlier.publishing.notifications import notify_about

PENDING = (DeliveryState.SCHEDULED, DeliveryState.RETRYING)
MAX_OCCURRENCES = 500


def _require(membership: Membership, role: str, what: str) -> None:
    if not membership.allows(role):
        raise PermissionDenied(f"{what} needs the {Role(role).label.lower()} role or higher.")


# --- channels -------------------------------------------------------------------------------


def access_channel(membership: Membership, channel_id: int, role: str = Role.VIEWER) -> Channel:
    _require(membership, role, "This")
    channel = Channel.objects.filter(pk=channel_id, workspace=membership.workspace).first()
    if channel is None:
        raise Http404("No such channel in this workspace.")
    return channel


# "Leave it as it is" for do_save_post's campaign (None there means: no campaign).
KEEP: Any = object()


def check_queue_times(raw: Any) -> list[dict[str, Any]]:
    """[{"days": [0, 1, 2, 3, 4], "time": "09:00"}, ...] with Monday = 0."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationError({"queue_times": "Posting times must be a list."})
    cleaned = []
    for slot in raw:
        try:
            days = sorted({int(d) for d in slot.get("days", range(7))})
            at = time.fromisoformat(str(slot["time"]))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValidationError(
                {"queue_times": f"Cannot read the posting time {slot!r}."}
            ) from exc
        if not days or any(d < 0 or d > 6 for d in days):
            raise ValidationError({"queue_times": "Days go from 0 (Monday) to 6 (Sunday)."})
        cleaned.append({"days": days, "time": at.strftime("%H:%M")})
    return cleaned


def check_channel(network: str, name: str, config: dict[str, Any]) -> list[Problem]:
    problems = []
    if not name.strip():
        problems.append(Problem("name", "Give the channel a name."))
    try:
        adapter = content.adapter_class(network)(config)
    except ValueError as exc:
        return [*problems, Problem("network", str(exc))]
    return problems + adapter.check_config()


def _raise(problems: Sequence[Problem]) -> None:
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field, []).append(problem.message)
        raise ValidationError(errors)


# Networks with an account to sign in to: connecting a channel (or giving it new credentials,
# or changing the settings named here) signs in with the adapter's test(), and a channel the
# network refuses is not stored. Webhook and e-mail channels have nothing to sign in to until
# they send (their Test button sends a real ping or opens the mail server, on request); the
# fediverse channel is Outlier's own.
CHECKED_AT_CONNECT: dict[str, tuple[str, ...]] = {
    "bluesky": ("handle", "pds_url", "appview", "appview_url"),
    "mastodon": ("instance_url",),
}


def _secret_field(network: str) -> str:
    """Where a refused sign-in is shown: the network's first secret field (the password)."""
    fields = content.adapter_class(network).fields
    return next((spec.name for spec in fields if spec.secret), NON_FIELD_ERRORS)


def check_signs_in(network: str, config: dict[str, Any], *, reconnecting: bool = False) -> Adapter:
    """Sign in to the network with `config` (see CHECKED_AT_CONNECT); the adapter that did,
    to keep what it learnt (a session, the server's limits), or a ValidationError saying why
    the network would not have it. Nothing is stored either way.

    A network that cannot be reached refuses too: a channel is connected once the network has
    said yes to its credentials, as people expect from connecting an account in a social media
    tool, never stored on trust to fail at its first post while its health says OK. The
    person is at the form, which stays filled in, and can try again."""
    adapter = content.adapter_class(network)(config)
    try:
        adapter.test()
    except PublishError as exc:
        label = adapter.label
        said = str(exc).strip()
        kept = "The channel keeps its current settings." if reconnecting else "Nothing was saved."
        if exc.kind == ErrorKind.AUTH:
            raise ValidationError({_secret_field(network): f"{said} {kept}"}) from exc
        if exc.kind == ErrorKind.RATE_LIMITED:
            wait = f" (about {int(exc.retry_after)} s)" if exc.retry_after else ""
            raise ValidationError(f"{label} asks Outlier to wait before signing in again{wait}: "
                                  f"{said} {kept} Try again later.") from exc  # fmt: skip
        if exc.kind == ErrorKind.TRANSIENT:
            raise ValidationError(f"Could not reach {label} to check the account: {said} "
                                  f"{kept} Try again in a moment.") from exc  # fmt: skip
        raise ValidationError(f"{label} will not take this account: {said} {kept}") from exc
    return adapter


def do_create_channel(
    membership: Membership,
    network: str,
    name: str,
    settings: dict[str, Any],
    credentials: dict[str, Any],
    tz_name: str = "UTC",
    queue_times: Any = None,
) -> Channel:
    """Connect a channel. On a network with an account (CHECKED_AT_CONNECT) it signs in
    first; refused or unreachable, nothing is stored (ValidationError)."""
    _require(membership, Role.EDITOR, "Connecting a channel")
    timing.zone(tz_name)
    config = {**settings, **credentials, "workspace_id": membership.workspace_id}
    _raise(check_channel(network, name, config))
    slots = check_queue_times(queue_times)
    if network in CHECKED_AT_CONNECT:
        credentials = {**credentials, **check_signs_in(network, config).config_changes()}
    return Channel.objects.create(
        workspace=membership.workspace,
        network=network,
        name=name.strip()[:120],
        settings=settings,
        credentials=credentials,
        timezone=tz_name,
        queue_times=slots,
    )


def do_update_channel(membership: Membership, channel: Channel, **changes: Any) -> Channel:
    """Change settings; new credentials also reconnect a channel that needed it.

    On a network with an account (CHECKED_AT_CONNECT), new credentials or a change to the
    settings signing in depends on are checked by signing in first: refused or unreachable,
    nothing is saved (ValidationError)."""
    _require(membership, Role.EDITOR, "Changing a channel")
    before = {**channel.settings}
    if "timezone" in changes:
        timing.zone(changes["timezone"])
        channel.timezone = changes["timezone"]
    if "queue_times" in changes:
        channel.queue_times = check_queue_times(changes["queue_times"])
    if changes.get("name"):
        channel.name = changes["name"].strip()[:120]
    if "settings" in changes:
        channel.settings = changes["settings"] or {}
    if changes.get("credentials"):
        channel.credentials = {**channel.credentials, **changes["credentials"]}
        channel.status, channel.status_detail = ChannelStatus.OK, ""
        channel.rate_limited_until = None
    _raise(check_channel(channel.network, channel.name, channel.adapter_config()))
    signs_in = CHECKED_AT_CONNECT.get(channel.network)
    if signs_in is not None and (
        changes.get("credentials")
        or any(before.get(key) != channel.settings.get(key) for key in signs_in)
    ):
        adapter = check_signs_in(channel.network, channel.adapter_config(), reconnecting=True)
        channel.credentials = {**channel.credentials, **adapter.config_changes()}
        channel.status, channel.status_detail = ChannelStatus.OK, ""
        channel.rate_limited_until = None
    channel.save()
    return channel


def do_test_channel(membership: Membership, channel: Channel) -> tuple[bool, str]:
    """Reach the network with the channel's credentials and record its health.

    Refused credentials: the channel needs reconnecting (its queue stops), the reason shown.
    Rate-limited: it waits as the network asked. Any other failure (the network unreachable,
    an answer it cannot use) is shown as the last test's failure, with its time, the status
    left as it was (the queue goes on: the next delivery retries as usual). A passing test
    sets it back to OK."""
    _require(membership, Role.EDITOR, "Testing a channel")
    adapter = content.adapter_for(channel)
    try:
        adapter.test()
    except PublishError as exc:
        content.save_changes(channel, adapter)  # what it renewed before failing (a session)
        _record_failed_test(channel, exc)
        return False, str(exc)
    content.save_changes(channel, adapter)
    channel.status, channel.status_detail, channel.rate_limited_until = ChannelStatus.OK, "", None
    channel.save(update_fields=["status", "status_detail", "rate_limited_until"])
    return True, "The channel works."


def _record_failed_test(channel: Channel, exc: PublishError) -> None:
    now = timezone.now()
    said = str(exc).strip()
    if exc.kind == ErrorKind.AUTH:
        do_mark_needs_reconnect(channel.pk, said)
        channel.status, channel.status_detail = ChannelStatus.NEEDS_RECONNECT, said[:500]
        return
    if exc.kind == ErrorKind.RATE_LIMITED:
        until = now + timedelta(seconds=exc.retry_after or 60.0)
        channel.status, channel.rate_limited_until = ChannelStatus.RATE_LIMITED, until
        channel.status_detail = said[:500]
    elif channel.status == ChannelStatus.NEEDS_RECONNECT:
        return  # the reason it needs reconnecting stays shown; the test proved nothing new
    elif channel.status == ChannelStatus.RATE_LIMITED and (
        channel.rate_limited_until and channel.rate_limited_until > now
    ):
        return  # waiting already; the wait is what the health shows
    else:  # OK (or a rate limit that is over): OK still, with the failure beside it
        channel.status, channel.rate_limited_until = ChannelStatus.OK, None
        channel.status_detail = f"Test failed on {now:%Y-%m-%d %H:%M} UTC: {said}"[:500]
    channel.save(update_fields=["status", "status_detail", "rate_limited_until"])


def do_mark_needs_reconnect(channel_id: int, reason: str) -> None:
    """The network refused the channel's credentials: its queue stops until an editor
    reconnects it (new credentials, or a passing test)."""
    Channel.objects.filter(pk=channel_id).update(
        status=ChannelStatus.NEEDS_RECONNECT, status_detail=reason[:500]
    )


def do_delete_channel(membership: Membership, channel: Channel) -> None:
    _require(membership, Role.EDITOR, "Removing a channel")
    channel.delete()


# --- composing --------------------------------------------------------------------------------


def access_post(membership: Membership, post_id: int, role: str = Role.VIEWER) -> Post:
    _require(membership, role, "This")
    post = (
        Post.objects.select_related("author", "scoop")
        .filter(pk=post_id, workspace=membership.workspace)
        .first()
    )
    if post is None:
        raise Http404("No such post in this workspace.")
    return post


def check_can_edit_post(membership: Membership, post: Post) -> None:
    if membership.allows(Role.EDITOR):
        return
    if membership.allows(Role.CONTRIBUTOR) and post.author_id == membership.user_id:
        return
    raise PermissionDenied("You can only change posts you wrote yourself.")


def check_post(post: Post) -> dict[str, list[Problem]]:
    """Every channel's rules against the post: {"<channel name>": [problems]}; empty = fits."""
    channels = list(post.channels.all())
    result: dict[str, list[Problem]] = {}
    if not channels:
        result[""] = [Problem("channels", "Choose at least one channel.")]
    for channel in channels:
        problems = content.validate_for(post, channel)
        if problems:
            result[channel.name] = problems
    return result


def _raise_post_problems(found: dict[str, list[Problem]]) -> None:
    if found:
        errors: dict[str, list[str]] = {}
        for channel_name, problems in found.items():
            for problem in problems:
                where = f"{channel_name}: " if channel_name else ""
                errors.setdefault(problem.field, []).append(where + problem.message)
        raise ValidationError(errors)


def do_save_post(
    membership: Membership,
    post: Post | None = None,
    *,
    text: str = "",
    link: str = "",
    title: str = "",
    channels: Iterable[Channel] = (),
    variants: dict[int, str] | None = None,
    scoop: Scoop | None = None,
    campaign: Campaign | None = KEEP,
    tracking: bool | None = None,
) -> Post:
    """Create or change a post's content (it stays or becomes a draft until scheduled).

    `campaign` (None: none) and `tracking` (whether the link goes out as a tracked link)
    are left as they are when not given."""
    _require(membership, Role.CONTRIBUTOR, "Writing a post")
    if post is not None:
        check_can_edit_post(membership, post)
        if post.status in (PostStatus.PUBLISHED, PostStatus.CANCELLED):
            raise ValidationError("This post was already sent or cancelled; duplicate it instead.")
    link = check_http_url(link, field="link") if link.strip() else ""
    if len(title.strip()) > 200:
        raise ValidationError({"title": "The title is longer than 200 characters."})
    channels = list(channels)
    if any(c.workspace_id != membership.workspace_id for c in channels):
        raise PermissionDenied("A channel belongs to another workspace.")
    if isinstance(campaign, Campaign) and campaign.workspace_id != membership.workspace_id:
        raise ValidationError({"campaign": "That campaign belongs to another workspace."})
    with transaction.atomic():
        if post is None:
            post = Post(workspace=membership.workspace, author=membership.user)
        post.text, post.link, post.title = text.strip(), link, title.strip()
        if campaign is not KEEP:
            post.campaign = campaign
        if tracking is not None:
            post.tracking = tracking
        if scoop is not None:
            post.scoop = scoop
        back_to_review = post.status == PostStatus.SCHEDULED and not membership.allows(Role.EDITOR)
        if back_to_review:
            _cancel_pending(post, "Changed by its author: waiting for approval again.")
            post.status = PostStatus.AWAITING_APPROVAL
        post.save()
        post.channels.set(channels)
        if back_to_review:
            _notify_reviewers(post)
        if variants is not None:
            post.variants.exclude(channel_id__in=list(variants)).delete()
            for channel_id, variant_text in variants.items():
                if variant_text.strip():
                    PostVariant.objects.update_or_create(
                        post=post, channel_id=channel_id, defaults={"text": variant_text.strip()}
                    )
                else:
                    post.variants.filter(channel_id=channel_id).delete()
    return post


def draft_from_scoop(scoop: Scoop) -> dict[str, Any]:
    """The composer's starting point when sharing a scoop: its title, insight and link, in
    the scoop's campaign and with its tracking choice.

    The insight is Markdown; the networks show text as it is, so it goes in as plain text
    (links as "text (address)", no emphasis markers): what is in the composer is what posts."""
    lines = [scoop.title]
    if scoop.insight:
        lines.append(render_plain_text(scoop.insight))
    return {"text": "\n\n".join(line for line in lines if line), "link": scoop.link_url,
            "title": scoop.title, "campaign": scoop.campaign_id, "tracking": scoop.tracking}  # fmt: skip


def do_add_note(membership: Membership, post: Post, text: str) -> PostNote:
    _require(membership, Role.CONTRIBUTOR, "Adding a note")
    if not text.strip():
        raise ValidationError({"text": "The note is empty."})
    return PostNote.objects.create(post=post, author=membership.user, text=text.strip()[:5000])


# --- scheduling -----------------------------------------------------------------------------


def check_when(
    when: str, day: date | None, at: time | None, tz_name: str, now: datetime
) -> timing.Resolved:
    """`now`, or a wall time in a zone; a time in the past, or with seconds, is refused."""
    if when == "now":
        return timing.Resolved(now)
    if day is None or at is None:
        raise ValidationError({"scheduled_at": "Choose a date and a time."})
    timing.check_minute(at)
    resolved = timing.resolve(day, at, tz_name)
    if resolved.instant < now - timedelta(minutes=1):
        raise ValidationError({"scheduled_at": "That time has passed; choose a later one."})
    return resolved


def next_queue_slot(channel: Channel, after: datetime) -> datetime:
    """The first posting time of the channel after `after` that no post occupies yet."""
    if not channel.queue_times:
        raise ValidationError(
            {"queue": f"{channel.name} has no posting times; add some to use its queue."}
        )
    taken = set(
        Delivery.objects.filter(channel=channel, due_at__gt=after)
        .exclude(state=DeliveryState.CANCELLED)
        .values_list("due_at", flat=True)
    )
    start = timing.local(after, channel.timezone).date()
    for offset in range(366):
        day = start + timedelta(days=offset)
        candidates = sorted(
            timing.resolve(day, time.fromisoformat(slot["time"]), channel.timezone).instant
            for slot in channel.queue_times
            if day.weekday() in slot["days"]
        )
        for instant in candidates:
            if instant > after and instant not in taken:
                return instant
    raise ValidationError({"queue": f"{channel.name}'s queue is full for the coming year."})


def check_repeat(every: int | None, unit: str, until: datetime | None, start: datetime) -> None:
    if not every:
        return
    if unit not in RepeatUnit.values:
        raise ValidationError({"repeat_unit": "Repeat every hour, day or week."})
    if until is None or until <= start:
        raise ValidationError({"repeat_until": "A repeating post needs an end after its start."})


def occurrences(post: Post) -> list[datetime]:
    """Every instant the post goes out (one unless it repeats)."""
    assert post.scheduled_at is not None
    found = [post.scheduled_at]
    if post.repeat_every and post.repeat_until:
        while len(found) < MAX_OCCURRENCES:
            following = timing.next_occurrence(
                found[-1], post.repeat_every, post.repeat_unit, post.timezone
            )
            if following > post.repeat_until:
                break
            found.append(following)
    return found


def _event(delivery: Delivery, state: str, message: str = "") -> None:
    DeliveryEvent.objects.create(delivery=delivery, state=state, message=message[:1000])


def _create_deliveries(post: Post) -> None:
    instants = occurrences(post)
    for channel in post.channels.all():
        for instant in instants:
            delivery, made = Delivery.objects.get_or_create(
                post=post,
                channel=channel,
                due_at=instant,
                defaults={"next_attempt_at": instant},
            )
            if not made and delivery.state == DeliveryState.CANCELLED:
                delivery.state, delivery.next_attempt_at = DeliveryState.SCHEDULED, instant
                delivery.claimed_by = ""
                delivery.save(
                    update_fields=["state", "next_attempt_at", "claimed_by", "updated_at"]
                )
                made = True
            if made:
                _event(delivery, DeliveryState.SCHEDULED, f"Due {instant:%Y-%m-%d %H:%M} UTC.")


def _cancel_pending(post: Post, reason: str) -> int:
    pending = list(post.deliveries.filter(state__in=PENDING))
    for delivery in pending:
        delivery.state = DeliveryState.CANCELLED
        delivery.save(update_fields=["state", "updated_at"])
        _event(delivery, DeliveryState.CANCELLED, reason)
    return len(pending)


def do_schedule_post(
    membership: Membership,
    post: Post,
    *,
    when: str = "at",
    day: date | None = None,
    at: time | None = None,
    tz_name: str = "UTC",
    repeat_every: int | None = None,
    repeat_unit: str = "",
    repeat_until: datetime | None = None,
) -> tuple[Post, str]:
    """Schedule now, at a wall time in a zone, or in the first channel's queue.

    Every channel's rules are checked first. Contributors' posts wait for approval.
    Returns the post and a note when the time was adjusted (DST gap or fold).
    """
    check_can_edit_post(membership, post)
    if post.status in (PostStatus.PUBLISHED, PostStatus.CANCELLED):
        raise ValidationError("This post was already sent or cancelled.")
    now = timezone.now()
    try:
        _raise_post_problems(check_post(post))
        timing.zone(tz_name)
        if when == "queue":
            resolved = timing.Resolved(next_queue_slot(post.channels.all()[0], now))
        else:
            resolved = check_when(when, day, at, tz_name, now)
        check_repeat(repeat_every, repeat_unit, repeat_until, resolved.instant)
    except ValidationError as exc:
        _record_refusal(post, exc, now)
        raise
    editor = membership.allows(Role.EDITOR)
    with transaction.atomic():
        _cancel_pending(post, "Rescheduled.")
        post.schedule_refused, post.schedule_refused_at = "", None
        # A contributor's "now" means "as soon as it is approved".
        post.scheduled_at = resolved.instant if editor or when != "now" else None
        post.timezone = tz_name
        post.repeat_every, post.repeat_unit = (
            repeat_every or None,
            repeat_unit if repeat_every else "",
        )
        post.repeat_until = repeat_until if repeat_every else None
        if editor and post.status != PostStatus.AWAITING_APPROVAL:
            post.status = PostStatus.SCHEDULED
            post.reviewed_by = membership.user
            post.save()
            _create_deliveries(post)
        else:
            newly_submitted = post.status != PostStatus.AWAITING_APPROVAL
            post.status = PostStatus.AWAITING_APPROVAL
            post.save()
            if newly_submitted:
                _notify_reviewers(post)
    return post, resolved.note


def _record_refusal(post: Post, exc: ValidationError, now: datetime) -> None:
    """Keep why scheduling a post that is not on its way was refused, for the drafts list.

    A scheduled post whose move is refused keeps its time, so there is nothing to record."""
    if post.pk is None or post.status not in queries.UNSCHEDULED:
        return
    reason = "; ".join(exc.messages)[:1000]
    post.schedule_refused, post.schedule_refused_at = reason, now
    # Not an edit of the post: its "last edited" (updated_at) stays.
    Post.objects.filter(pk=post.pk).update(schedule_refused=reason, schedule_refused_at=now)


def do_reschedule(
    membership: Membership, post: Post, day: date, at: time, tz_name: str | None = None
) -> tuple[Post, str]:
    """Move a scheduled post (the calendar's drag and drop); validated again."""
    check_can_edit_post(membership, post)
    if post.status not in (PostStatus.SCHEDULED, PostStatus.AWAITING_APPROVAL, PostStatus.DRAFT):
        raise ValidationError(f"A {post.get_status_display().lower()} post cannot be moved.")
    if post.deliveries.exclude(state__in=[*PENDING, DeliveryState.CANCELLED]).exists():
        raise ValidationError("Part of this post went out already; it cannot be moved.")
    return do_schedule_post(
        membership, post, when="at", day=day, at=at, tz_name=tz_name or post.timezone,
        repeat_every=post.repeat_every, repeat_unit=post.repeat_unit,
        repeat_until=post.repeat_until,
    )  # fmt: skip


def do_approve(membership: Membership, post: Post) -> Post:
    _require(membership, Role.EDITOR, "Approving")
    if post.status != PostStatus.AWAITING_APPROVAL:
        raise ValidationError("Only posts awaiting approval can be approved.")
    with transaction.atomic():
        post.reviewed_by = membership.user
        if post.scheduled_at is None:  # submitted as "post now": goes out on approval
            post.scheduled_at = timezone.now()
        elif post.scheduled_at < timezone.now():
            post.status = PostStatus.MISSED
            post.save()
            notify_about(
                post, post.author, f"“{post}” was approved after its time passed: not sent."
            )
            return post
        _raise_post_problems(check_post(post))
        post.status = PostStatus.SCHEDULED
        post.save()
        _create_deliveries(post)
        notify_about(post, post.author, f"{membership.user} approved “{post}”.")
    return post


def do_reject(membership: Membership, post: Post, comment: str) -> Post:
    _require(membership, Role.EDITOR, "Rejecting")
    if post.status != PostStatus.AWAITING_APPROVAL:
        raise ValidationError("Only posts awaiting approval can be rejected.")
    if not comment.strip():
        raise ValidationError({"comment": "Say what should change."})
    with transaction.atomic():
        post.status, post.reviewed_by = PostStatus.REJECTED, membership.user
        post.review_comment = comment.strip()
        post.save()
        notify_about(post, post.author, f"{membership.user} sent “{post}” back: {comment.strip()}")
    return post


def do_cancel(membership: Membership, post: Post) -> Post:
    check_can_edit_post(membership, post)
    with transaction.atomic():
        _cancel_pending(post, f"Cancelled by {membership.user}.")
        if post.status not in (PostStatus.PUBLISHED, PostStatus.FAILED):
            post.status = PostStatus.CANCELLED
            post.save(update_fields=["status", "updated_at"])
    return post


def do_retry_delivery(membership: Membership, delivery: Delivery) -> Delivery:
    """A person asks to send a failed or unconfirmed delivery again, now."""
    check_can_edit_post(membership, delivery.post)
    if delivery.state not in (DeliveryState.FAILED, DeliveryState.UNCONFIRMED):
        raise ValidationError("Only failed or unconfirmed deliveries can be retried.")
    with transaction.atomic():
        note = "Sent again on request"
        if delivery.state == DeliveryState.UNCONFIRMED:
            note += " (the earlier attempt may have arrived)"
        delivery.state, delivery.next_attempt_at = DeliveryState.RETRYING, timezone.now()
        delivery.claimed_by = ""
        delivery.save(update_fields=["state", "next_attempt_at", "claimed_by", "updated_at"])
        _event(delivery, DeliveryState.RETRYING, f"{note} by {membership.user}.")
        Post.objects.filter(pk=delivery.post_id, status=PostStatus.FAILED).update(
            status=PostStatus.SCHEDULED
        )
    return delivery


def do_confirm_delivery(membership: Membership, delivery: Delivery, url: str = "") -> Delivery:
    """A person checked the network: the unconfirmed post did arrive."""
    check_can_edit_post(membership, delivery.post)
    if delivery.state != DeliveryState.UNCONFIRMED:
        raise ValidationError("Only unconfirmed deliveries can be confirmed.")
    with transaction.atomic():
        delivery.state, delivery.sent_at = DeliveryState.SENT, timezone.now()
        if url:
            delivery.remote_url = check_http_url(url, field="url")
        delivery.save()
        _event(delivery, DeliveryState.SENT, f"Confirmed as arrived by {membership.user}.")
    return delivery


# --- deleting from the network --------------------------------------------------------------


def network_label(network: str) -> str:
    """How people call a channel's network: "Bluesky", "Mastodon", "Fediverse"."""
    try:
        return content.adapter_class(network).label
    except ValueError:
        known = registry.RULES.get(network)
        return known.label if known is not None else network


def network_deletes(network: str) -> bool:
    """True when Outlier can take back on this network what it published there."""
    try:
        return "delete" in content.adapter_class(network).capabilities
    except ValueError:
        return False


def check_delete_from_network(membership: Membership, delivery: Delivery) -> str:
    """Why this delivery cannot be deleted from its network (raised), else the network's label.

    Editors and owners only: taking a post down is not a contributor's call, even their own."""
    _require(membership, Role.EDITOR, "Deleting a post from its network")
    label = network_label(delivery.channel.network)
    if delivery.state == DeliveryState.DELETED:
        when = f" on {delivery.deleted_at:%Y-%m-%d %H:%M} UTC" if delivery.deleted_at else ""
        raise ValidationError(f"It was already deleted from {label}{when}.")
    if delivery.state == DeliveryState.DELETING:
        raise ValidationError(f"It is already being deleted from {label}.")
    if not network_deletes(delivery.channel.network):
        raise ValidationError(
            f"{label} channels cannot take back what they sent: delete it where it arrived."
        )
    if delivery.state != DeliveryState.SENT:
        state = DeliveryState(delivery.state).label.lower()
        raise ValidationError(
            f"Only a sent post can be deleted from {label}; this delivery is {state}."
        )
    if not delivery.remote_id:
        raise ValidationError(
            f"{label} did not give this post an id, so Outlier cannot find it there to delete it."
        )
    return label


def do_delete_from_network(membership: Membership, delivery: Delivery) -> Delivery:
    """Ask for a sent delivery's post to be deleted from its network.

    Nothing is called here: the delivery becomes "deleting" and a worker takes it down
    (`deletions.run_due`), retrying transient errors. Asking twice is refused."""
    label = check_delete_from_network(membership, delivery)
    now = timezone.now()
    with transaction.atomic():
        moved = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENT).update(
            state=DeliveryState.DELETING, next_attempt_at=now, claimed_by="",
            delete_requested_at=now, delete_requested_by=membership.user, delete_attempts=0,
            delete_error="", updated_at=now,
        )  # fmt: skip
        if not moved:  # it changed meanwhile (two clicks, two editors): say what it is now
            delivery.refresh_from_db()
            check_delete_from_network(membership, delivery)
            raise ValidationError("This delivery changed meanwhile; look at it again.")
        _event(delivery, DeliveryState.DELETING,
               f"Deletion from {label} asked for by {membership.user}.")  # fmt: skip
    delivery.refresh_from_db()
    return delivery


# --- notifications --------------------------------------------------------------------------


def _notify_reviewers(post: Post) -> None:
    reviewers = Membership.objects.filter(
        workspace=post.workspace, role__in=[Role.EDITOR, Role.OWNER]
    ).select_related("user")
    for member in reviewers:
        notify_about(post, member.user, f"{post.author} asks for approval of “{post}”.")
