"""The inbox's writes about items: read, done and open again, assignment, snooze, tags, notes,
priority, hiding. Each takes the member doing it, checks the role, and records an InboxEvent.

Viewers read the inbox; contributors and above work it. Items of another workspace are
reported as missing (404), like every other row of another workspace.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from outlier.core.actions import check_role
from outlier.core.models import Membership, Role, User
from outlier.inbox.models import (
    InboxEvent,
    InboxNote,
    InboxTag,
    Interaction,
    ItemState,
    Priority,
)

WORK_ROLE = Role.CONTRIBUTOR
MAX_BULK = 500
MAX_NOTE = 5000
MAX_TAG = 50


def access_item(member: Membership, item_id: int, role: str = Role.VIEWER) -> Interaction:
    """One item of the member's workspace (404 for any other), if their role allows `role`."""
    check_role(member, role)
    item = (
        Interaction.objects.select_related("channel", "assignee", "delivery__post")
        .filter(pk=item_id, workspace=member.workspace)
        .first()
    )
    if item is None:
        raise Http404("No such item in this inbox.")
    return item


def access_items(
    member: Membership, ids: Iterable[int | str], role: str = WORK_ROLE
) -> list[Interaction]:
    """Items for a bulk action: every id must be one of the workspace's (else 404, nothing done)."""
    check_role(member, role)
    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError) as exc:
        raise ValidationError({"items": "Items are given by their ids."}) from exc
    if not wanted:
        raise ValidationError({"items": "Select at least one item."})
    if len(wanted) > MAX_BULK:
        raise ValidationError({"items": f"At most {MAX_BULK} items at once."})
    items = list(Interaction.objects.filter(pk__in=wanted, workspace=member.workspace))
    if len(items) != len(wanted):
        raise Http404("No such item in this inbox.")
    return items


def _event(items: Sequence[Interaction], member: Membership | None, action: str,
           detail: str = "") -> None:  # fmt: skip
    user = member.user if member is not None else None
    InboxEvent.objects.bulk_create(
        InboxEvent(interaction=item, user=user, action=action, detail=detail[:500])
        for item in items
    )


def do_mark_read(member: Membership, item: Interaction) -> None:
    """The first time anyone of the team opens an item it stops counting as unread."""
    if item.read_at is None:
        now = timezone.now()
        Interaction.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=now)
        item.read_at = now


def do_set_state(member: Membership, items: Sequence[Interaction], state: str) -> int:
    """Done, or open again; returns how many changed."""
    if state not in ItemState.values:
        raise ValidationError({"state": "The state is open or done."})
    check_role(member, WORK_ROLE)
    now = timezone.now()
    changing = [item for item in items if item.state != state]
    with transaction.atomic():
        ids = [item.pk for item in changing]
        if state == ItemState.DONE:
            Interaction.objects.filter(pk__in=ids).update(
                state=state, done_at=now, done_by=member.user, snoozed_until=None,
                read_at=now,
            )  # fmt: skip
        else:
            Interaction.objects.filter(pk__in=ids).update(state=state, done_at=None, done_by=None)
        _event(changing, member, state)
    for item in changing:
        item.state = state
    return len(changing)


def _member_user(member: Membership, user_id: int | str | None) -> User | None:
    if user_id in (None, "", "none"):
        return None
    try:
        pk = int(user_id)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"assignee": "Assign to a member of this workspace."}) from exc
    found = Membership.objects.filter(workspace=member.workspace, user_id=pk).select_related("user")
    target = found.first()
    if target is None or target.role == Role.VIEWER:
        raise ValidationError({"assignee": "Assign to a member of this workspace who can reply "
                                           "(a contributor, an editor or an owner)."})  # fmt: skip
    return target.user


def do_assign(member: Membership, items: Sequence[Interaction], user_id: int | str | None) -> int:
    """Assign items to a member (None: unassign)."""
    check_role(member, WORK_ROLE)
    user = _member_user(member, user_id)
    with transaction.atomic():
        Interaction.objects.filter(pk__in=[i.pk for i in items]).update(assignee=user)
        _event(items, member, "assign", str(user) if user else "nobody")
    for item in items:
        item.assignee = user
    return len(items)


def do_snooze(member: Membership, item: Interaction, until: datetime | None) -> None:
    """Hide an item from the open list until a time (None: wake it now)."""
    check_role(member, WORK_ROLE)
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": "Snooze until a time in the future."})
    Interaction.objects.filter(pk=item.pk).update(snoozed_until=until)
    item.snoozed_until = until
    _event([item], member, "snooze", f"until {until:%Y-%m-%d %H:%M} UTC" if until else "woken")


def sweep_snoozed(now: datetime | None = None) -> int:
    """Items whose snooze ended come back to the open list, unread again."""
    now = now or timezone.now()
    return Interaction.objects.filter(snoozed_until__lte=now).update(
        snoozed_until=None, read_at=None
    )


def check_tag_names(names: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > MAX_TAG:
            raise ValidationError({"tags": f"A tag has at most {MAX_TAG} characters."})
        if name.lower() not in {c.lower() for c in cleaned}:
            cleaned.append(name)
    if not cleaned:
        raise ValidationError({"tags": "Give a tag."})
    return cleaned


def tags_named(workspace_id: int, names: Sequence[str]) -> list[InboxTag]:
    """The workspace's tags of these names, made where missing (names compared without case)."""
    found = []
    for name in names:
        tag = InboxTag.objects.filter(workspace_id=workspace_id, name__iexact=name).first()
        found.append(tag or InboxTag.objects.create(workspace_id=workspace_id, name=name))
    return found


def do_tag(member: Membership, items: Sequence[Interaction], names: Iterable[str], *,
           remove: bool = False) -> int:  # fmt: skip
    check_role(member, WORK_ROLE)
    cleaned = check_tag_names(names)
    with transaction.atomic():
        tags = tags_named(member.workspace.pk, cleaned)
        through: Any = Interaction.tags.through
        if remove:
            through.objects.filter(
                interaction_id__in=[i.pk for i in items], inboxtag_id__in=[t.pk for t in tags]
            ).delete()
        else:
            through.objects.bulk_create(
                [through(interaction_id=i.pk, inboxtag_id=t.pk) for i in items for t in tags],
                ignore_conflicts=True,
            )
        _event(items, member, "untag" if remove else "tag", ", ".join(t.name for t in tags))
    return len(items)


def do_forget_authors(workspace_id: int, networks: Sequence[str], author_ids: Sequence[str]) -> int:
    """Delete every item these people wrote on channels of these networks (a person's right to
    be forgotten: `relationships.actions.do_forget`); their notes, tags and history go with
    them. Returns how many items went."""
    found = Interaction.objects.filter(
        workspace_id=workspace_id, channel__network__in=networks, author_id__in=author_ids
    )
    return found.delete()[1].get(Interaction._meta.label, 0)


def do_blank_texts(workspace_id: int, before: datetime) -> int:
    """Blank the texts of the items others wrote before `before` (a workspace's retention
    setting, `relationships.retention`); the items, their states and measures stay."""
    return Interaction.objects.filter(
        workspace_id=workspace_id, created_at__lt=before
    ).exclude(text="").update(text="")  # fmt: skip


def do_add_note(member: Membership, item: Interaction, text: str) -> InboxNote:
    """A note for the team; never sent anywhere."""
    check_role(member, WORK_ROLE)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the note first."})
    if len(text) > MAX_NOTE:
        raise ValidationError({"text": f"A note has at most {MAX_NOTE} characters."})
    note = InboxNote.objects.create(interaction=item, author=member.user, text=text)
    _event([item], member, "note")
    return note


def do_set_priority(member: Membership, items: Sequence[Interaction], priority: int | str) -> int:
    check_role(member, WORK_ROLE)
    try:
        value = int(priority)
    except (TypeError, ValueError):
        value = 99
    if value not in Priority.values:
        raise ValidationError({"priority": "A priority from -1 (low) to 2 (urgent)."})
    Interaction.objects.filter(pk__in=[i.pk for i in items]).update(priority=value)
    _event(items, member, "priority", Priority(value).label)
    return len(items)


def do_hide(member: Membership, items: Sequence[Interaction], hidden: bool = True) -> int:
    check_role(member, WORK_ROLE)
    Interaction.objects.filter(pk__in=[i.pk for i in items]).update(hidden=hidden)
    _event(items, member, "hide" if hidden else "unhide")
    return len(items)
