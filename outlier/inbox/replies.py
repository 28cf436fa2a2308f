"""Answering an item from the inbox.

A reply is a post of the publishing app with one channel (the item's) and `reply_to` set to
the item's `reply_ref`, scheduled "now": the delivery engine sends it exactly once, retries
what is transient, and shows what failed, like any post. A contributor's reply waits for an
editor's approval (the approvals screen), as their posts do.

Before anything is stored the reply is checked against the channel's limits as one post (a
reply is never cut into a thread), and against a teammate's work on the same item: who
started writing a reply (`do_start_reply`, a hint shown to the others) and which replies were
written since the writer opened the item (`seen`). A reply another member sent meanwhile
refuses this one until its writer confirms (`confirm`), so two members never both answer
unknowingly. The check and the new reply are one transaction under the item's row lock.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from outlier.core.actions import check_role
from outlier.core.models import Membership, Role
from outlier.inbox.actions import WORK_ROLE, do_set_state
from outlier.inbox.models import InboxEvent, InboxReply, Interaction, SavedReply
from outlier.networks import counting
from outlier.networks.base import Content
from outlier.publishing import actions as publishing
from outlier.publishing import content
from outlier.publishing.models import Post

LOCK_SECONDS = 300  # how long "X is replying" is shown after they opened the reply box
MAX_SAVED = 5000
VARIABLES = ("name", "first_name", "handle", "channel", "me")
_VARIABLE = re.compile(r"\{(\w+)\}")


class ReplyConflictError(ValidationError):
    """Another member answered the item after this writer opened it."""


def check_reply_text(item: Interaction, text: str) -> str:
    """The reply's text, checked against the channel's limits as one post (never a thread)."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the reply first."})
    rules = content.rules_for(item.channel)
    if rules is None:
        raise ValidationError({"text": f"Outlier cannot reply on {item.channel.network}."})
    single = dataclasses.replace(rules, max_thread_parts=1)
    problems = [p for p in counting.validate(Content(text=text), single) if p.field == "text"]
    if problems:
        raise ValidationError({"text": [p.message for p in problems]})
    return text


def check_can_reply(item: Interaction) -> None:
    adapter = content.adapter_class(item.channel.network)
    if not item.can_reply or "reply" not in adapter.capabilities:
        raise ValidationError(f"A {item.get_kind_display().lower()} on {adapter.label} cannot be "
                              "answered from Outlier.")  # fmt: skip


def reply_prefix(item: Interaction) -> str:
    """What a reply box starts with: on Mastodon and the fediverse the author is mentioned, or
    they are not told of the answer."""
    if item.channel.network in ("mastodon", "fediverse") and item.author_handle.startswith("@"):
        return item.author_handle + " "
    return ""


def replying_now(item: Interaction, member: Membership) -> str:
    """Who else is writing a reply to this item now ("" when nobody)."""
    since = item.replying_since
    if item.replying_by_id in (None, member.user_id) or since is None:
        return ""
    if since < timezone.now() - timedelta(seconds=LOCK_SECONDS):
        return ""
    return f"{item.replying_by} started a reply at {since:%H:%M} UTC."


def do_start_reply(member: Membership, item: Interaction) -> str:
    """Say this member is writing a reply; returns who else is (a warning), or ""."""
    check_role(member, WORK_ROLE)
    warning = replying_now(item, member)
    if not warning:
        Interaction.objects.filter(pk=item.pk).update(
            replying_by=member.user, replying_since=timezone.now()
        )
    return warning


def do_reply(member: Membership, item: Interaction, text: str, *,
             seen: datetime | None = None, confirm: bool = False,
             done: bool = False) -> InboxReply:  # fmt: skip
    """Answer the item on its network; returns the reply (its post holds the state).

    `seen`: when the writer opened the item; replies by others since then refuse this one
    (ReplyConflictError) unless `confirm`.
    """
    check_role(member, WORK_ROLE)
    check_can_reply(item)
    text = check_reply_text(item, text)
    with transaction.atomic():
        locked = Interaction.objects.select_for_update().get(pk=item.pk)
        others = InboxReply.objects.filter(interaction=locked).exclude(author=member.user)
        if seen is not None:
            others = others.filter(created_at__gt=seen)
        other = others.select_related("author", "post").last()
        if other is not None and not confirm:
            raise ReplyConflictError(
                f"{other.author} replied meanwhile: “{other.post.text[:200]}”. Send yours too?",
                code="conflict",
            )
        post = publishing.do_save_post(member, text=text, channels=[item.channel], tracking=True)
        Post.objects.filter(pk=post.pk).update(reply_to=item.reply_ref)
        post.reply_to = item.reply_ref
        post, _ = publishing.do_schedule_post(member, post, when="now")
        reply = InboxReply.objects.create(interaction=item, post=post, author=member.user)
        waiting = not member.allows(Role.EDITOR)
        InboxEvent.objects.create(
            interaction=item, user=member.user, action="reply",
            detail="waiting for an editor's approval" if waiting else "sending",
        )  # fmt: skip
        Interaction.objects.filter(pk=item.pk, replying_by=member.user).update(
            replying_by=None, replying_since=None
        )
        if done:
            do_set_state(member, [item], "done")
    return reply


# --- saved replies ------------------------------------------------------------------------


def check_saved_reply(member: Membership, name: str, text: str,
                      existing: SavedReply | None = None) -> tuple[str, str]:  # fmt: skip
    name, text = " ".join(name.split()), text.strip()
    if not name or len(name) > 80:
        raise ValidationError({"name": "Name it in at most 80 characters."})
    if not text or len(text) > MAX_SAVED:
        raise ValidationError({"text": f"Write the reply, at most {MAX_SAVED} characters."})
    unknown = sorted({m for m in _VARIABLE.findall(text) if m not in VARIABLES})
    if unknown:
        raise ValidationError({"text": f"Unknown variable {{{unknown[0]}}}: use "
                                       + ", ".join(f"{{{v}}}" for v in VARIABLES) + "."})  # fmt: skip
    clash = SavedReply.objects.filter(workspace=member.workspace, name__iexact=name)
    if existing is not None:
        clash = clash.exclude(pk=existing.pk)
    if clash.exists():
        raise ValidationError({"name": f"A saved reply is already named “{name}”."})
    return name, text


def do_save_reply(member: Membership, name: str, text: str,
                  existing: SavedReply | None = None) -> SavedReply:  # fmt: skip
    check_role(member, Role.EDITOR)
    name, text = check_saved_reply(member, name, text, existing)
    if existing is not None:
        existing.name, existing.text = name, text
        existing.save(update_fields=["name", "text"])
        return existing
    return SavedReply.objects.create(workspace=member.workspace, name=name, text=text,
                                     created_by=member.user)  # fmt: skip


def access_saved_reply(member: Membership, saved_id: int | str) -> SavedReply:
    """One saved reply of the member's workspace (404 for any other)."""
    try:
        found = SavedReply.objects.filter(pk=int(saved_id), workspace=member.workspace).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404("No such saved reply in this workspace.")
    return found


def do_delete_saved_reply(member: Membership, saved: SavedReply) -> None:
    check_role(member, Role.EDITOR)
    saved.delete()


def fill(template: str, item: Interaction | None, member: Membership) -> str:
    """A saved reply's text for one item: {name}, {first_name}, {handle}, {channel}, {me}."""
    name = (item.author_name or item.author_handle) if item else "Ana Example"
    values = {
        "name": name,
        "first_name": name.split()[0] if name.split() else name,
        "handle": item.author_handle if item else "@ana@example.org",
        "channel": item.channel.name if item else "Channel",
        "me": member.user.display_name or member.user.email.split("@")[0],
    }
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), template)
