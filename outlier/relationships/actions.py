"""The writes on contacts: merge and unmerge, notes, tags, lists, custom fields, the star, the
stay-in-touch reminder, and forgetting a person. Any member reads contacts (queries.py);
contributors and above change them; forgetting a person takes an editor."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from outlier.core.actions import check_role
from outlier.core.models import Membership, Role
from outlier.inbox.actions import check_tag_names, do_forget_authors
from outlier.inbox.models import Interaction, InteractionKind
from outlier.relationships import strength, sync
from outlier.relationships.models import (
    CHANNEL_NETWORKS,
    Contact,
    ContactEvent,
    ContactList,
    ContactNote,
    ContactTag,
    Identity,
    RelationshipSettings,
    channel_networks,
)

WORK_ROLE = Role.CONTRIBUTOR
MAX_FIELDS = 30
MAX_FIELD_LABEL = 60
MAX_FIELD_VALUE = 500
MAX_NOTE = 5000
MAX_WEEKS = 520


def do_contact_of_author(member: Membership, item: Interaction) -> int:
    """The id of the contact behind an inbox item's author, made now when the sync has not
    seen them yet. Any member may open the contact of someone who wrote to us (the sync makes
    it within seconds anyway); saving the author of a post a stream found is a choice, for
    contributors and above."""
    network = CHANNEL_NETWORKS.get(item.channel.network)
    if network is None:
        raise ValidationError("People on this channel's network are not kept as contacts.")
    known = Identity.objects.filter(workspace=member.workspace, network=network,
                                    remote_id=item.author_id).values_list("contact_id", flat=True)  # fmt: skip
    if known:
        return known[0]
    if item.kind == InteractionKind.POST:
        check_role(member, WORK_ROLE)
    found = sync.identities_for(member.workspace.pk, [sync.Seen(
        network, item.author_id, item.author_handle, item.author_name, item.author_avatar,
        item.author_url, item.author_followers, item.created_at)])  # fmt: skip
    return found[(network, item.author_id)].contact_id


def access_contact(member: Membership, contact_id: int, role: str = Role.VIEWER) -> Contact:
    """One contact of the member's workspace (404 for any other), if their role allows `role`."""
    check_role(member, role)
    contact = Contact.objects.filter(pk=contact_id, workspace=member.workspace).first()
    if contact is None:
        raise Http404("No such contact.")
    return contact


def access_identity(member: Membership, identity_id: int, role: str = Role.VIEWER) -> Identity:
    check_role(member, role)
    identity = Identity.objects.filter(pk=identity_id, workspace=member.workspace).first()
    if identity is None:
        raise Http404("No such identity.")
    return identity


def _event(contact: Contact, member: Membership | None, action: str, detail: str) -> None:
    ContactEvent.objects.create(contact=contact, user=member.user if member else None,
                                action=action, detail=detail[:500])  # fmt: skip


def rescore(contact: Contact, now: datetime | None = None) -> Contact:
    """The contact's score, counts and last interaction from everything stored about its
    identities (after a merge or an unmerge)."""
    now = now or timezone.now()
    score = strength.Score(0.0, 0.0)
    count_in = count_out = 0
    last: datetime | None = None
    for network, remote_id in contact.identities.values_list("network", "remote_id"):
        rows = _interactions_of(contact.workspace_id, network, remote_id).values_list(
            "kind", "created_at"
        )
        for kind, at in rows:
            score = strength.Score(score.inbound + strength.WEIGHTS_IN.get(kind, 0.0)
                                   * strength.decay(at, now), score.outbound)  # fmt: skip
            count_in += 1
            last = at if last is None or at > last else last
    for kind, at in contact.touches.values_list("kind", "at"):
        score = strength.Score(score.inbound, score.outbound + strength.WEIGHTS_OUT.get(kind, 0.0)
                               * strength.decay(at, now))  # fmt: skip
        count_out += 1
        last = at if last is None or at > last else last
    contact.inbound, contact.outbound, contact.scored_at = score.inbound, score.outbound, now
    contact.rank = strength.rank(score, now)
    contact.interactions_in, contact.interactions_out = count_in, count_out
    contact.last_interaction_at = last
    _due(contact, now)
    contact.save()
    return contact


def _interactions_of(workspace_id: int, network: str, remote_id: str) -> QuerySet[Interaction]:
    return Interaction.objects.filter(
        workspace_id=workspace_id, author_id=remote_id,
        channel__network__in=channel_networks(network),
    ).exclude(kind=InteractionKind.POST)  # fmt: skip


def _due(contact: Contact, now: datetime) -> None:
    if contact.remind_every_weeks:
        since = contact.last_interaction_at or now
        contact.remind_at = since + timedelta(weeks=contact.remind_every_weeks)
    else:
        contact.remind_at = None


def do_merge(member: Membership, into: Contact, others: Sequence[Contact]) -> Contact:
    """One contact for a person: the others' identities, notes, tags, lists, touches and fields
    (where `into` has none of that label) move to `into`, and the others are deleted."""
    check_role(member, WORK_ROLE)
    others = [c for c in others if c.pk != into.pk]
    if not others:
        raise ValidationError({"contacts": "Choose another contact to merge with this one."})
    if any(c.workspace_id != into.workspace_id or c.workspace_id != member.workspace.pk
           for c in others):  # fmt: skip
        raise ValidationError({"contacts": "Only contacts of this workspace can be merged."})
    with transaction.atomic():
        ids = [into.pk] + [c.pk for c in others]
        locked = {c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=ids)}
        if len(locked) != len(ids):
            raise ValidationError({"contacts": "A contact to merge is gone; reload the page."})
        into = locked[into.pk]
        moved = [locked[c.pk] for c in others]
        other_ids = [c.pk for c in moved]
        handles = list(Identity.objects.filter(contact_id__in=other_ids).values_list(
            "handle", flat=True))  # fmt: skip
        Identity.objects.filter(contact_id__in=other_ids).update(contact=into)
        ContactNote.objects.filter(contact_id__in=other_ids).update(contact=into)
        into.touches.model.objects.filter(contact_id__in=other_ids).update(contact=into)
        ContactEvent.objects.filter(contact_id__in=other_ids).update(contact=into)
        for other in moved:
            into.tags.add(*other.tags.all())
            into.lists.add(*other.lists.all())
            for label, value in other.fields.items():
                into.fields.setdefault(label, value)
            into.starred = into.starred or other.starred
            if other.remind_every_weeks and not into.remind_every_weeks:
                into.remind_every_weeks = other.remind_every_weeks
            if other.first_seen_at and (into.first_seen_at is None
                                        or other.first_seen_at < into.first_seen_at):  # fmt: skip
                into.first_seen_at = other.first_seen_at
        Contact.objects.filter(pk__in=other_ids).delete()
        rescore(into)
        _event(into, member, "merged", "with " + ", ".join(handles))
    return into


def do_unmerge(member: Membership, identity: Identity) -> Contact:
    """Take one identity out of its contact into a contact of its own; both are rescored."""
    check_role(member, WORK_ROLE)
    with transaction.atomic():
        old = Contact.objects.select_for_update().get(pk=identity.contact_id)
        if old.identities.count() < 2:
            raise ValidationError(
                {"identity": "This is the contact's only identity: there is nothing to unmerge."}
            )
        new = Contact.objects.create(workspace_id=old.workspace_id,
                                     name=(identity.name or identity.handle)[:300],
                                     first_seen_at=identity.first_seen_at)  # fmt: skip
        Identity.objects.filter(pk=identity.pk).update(contact=new)
        old.touches.filter(identity_id=identity.pk).update(contact=new)
        rescore(old)
        rescore(new)
        _event(old, member, "unmerged", identity.handle)
        _event(new, member, "unmerged", f"from {old}")
    identity.contact = new
    return new


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the contact a name."})
    if len(name) > 300:
        raise ValidationError({"name": "A name has at most 300 characters."})
    return name


def do_rename(member: Membership, contact: Contact, name: str) -> Contact:
    check_role(member, WORK_ROLE)
    name = check_name(name)
    Contact.objects.filter(pk=contact.pk).update(name=name)
    contact.name = name
    return contact


def do_add_note(member: Membership, contact: Contact, text: str) -> ContactNote:
    """A note for the team; never shown outside the workspace."""
    check_role(member, WORK_ROLE)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the note first."})
    if len(text) > MAX_NOTE:
        raise ValidationError({"text": f"A note has at most {MAX_NOTE:,} characters."})
    return ContactNote.objects.create(contact=contact, author=member.user, text=text)


def do_tag(member: Membership, contacts: Sequence[Contact], names: Iterable[str], *,
           remove: bool = False) -> int:  # fmt: skip
    check_role(member, WORK_ROLE)
    cleaned = check_tag_names(names)
    with transaction.atomic():
        tags = []
        for name in cleaned:
            tag = ContactTag.objects.filter(workspace=member.workspace, name__iexact=name).first()
            tags.append(tag or ContactTag.objects.create(workspace=member.workspace, name=name))
        for contact in contacts:
            if remove:
                contact.tags.remove(*tags)
            else:
                contact.tags.add(*tags)
    return len(contacts)


def check_list_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"list": "Give the list a name."})
    if len(name) > 80:
        raise ValidationError({"list": "A list's name has at most 80 characters."})
    return name


def do_add_to_list(member: Membership, contacts: Sequence[Contact], name: str) -> ContactList:
    """Put the contacts on the list of that name (made when missing)."""
    check_role(member, WORK_ROLE)
    name = check_list_name(name)
    with transaction.atomic():
        found = ContactList.objects.filter(workspace=member.workspace, name__iexact=name).first()
        found = found or ContactList.objects.create(workspace=member.workspace, name=name)
        found.contacts.add(*contacts)
    return found


def do_remove_from_list(member: Membership, contact: Contact, contact_list: ContactList) -> None:
    check_role(member, WORK_ROLE)
    if contact_list.workspace_id != member.workspace.pk:
        raise Http404("No such list.")
    contact.lists.remove(contact_list)


def check_fields(fields: dict[str, str]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for raw_label, raw_value in fields.items():
        label, value = " ".join(str(raw_label).split()), str(raw_value).strip()
        if not label and not value:
            continue
        if not label:
            raise ValidationError({"fields": "Every field needs a label."})
        if len(label) > MAX_FIELD_LABEL or len(value) > MAX_FIELD_VALUE:
            raise ValidationError({"fields": f"A label has at most {MAX_FIELD_LABEL} characters "
                                             f"and a value at most {MAX_FIELD_VALUE}."})  # fmt: skip
        cleaned[label] = value
    if len(cleaned) > MAX_FIELDS:
        raise ValidationError({"fields": f"At most {MAX_FIELDS} fields a contact."})
    return cleaned


def do_set_fields(member: Membership, contact: Contact, fields: dict[str, str]) -> Contact:
    """Replace the contact's custom fields (an empty value removes a field)."""
    check_role(member, WORK_ROLE)
    cleaned = {k: v for k, v in check_fields(fields).items() if v}
    Contact.objects.filter(pk=contact.pk).update(fields=cleaned)
    contact.fields = cleaned
    return contact


def do_star(member: Membership, contact: Contact, starred: bool) -> Contact:
    check_role(member, WORK_ROLE)
    Contact.objects.filter(pk=contact.pk).update(starred=starred)
    contact.starred = starred
    return contact


def check_weeks(raw: object) -> int | None:
    if raw in (None, "", 0, "0"):
        return None
    try:
        weeks = int(str(raw))
    except ValueError as exc:
        raise ValidationError({"weeks": "Say every how many weeks, as a whole number."}) from exc
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError({"weeks": f"Between 1 and {MAX_WEEKS} weeks."})
    return weeks


def do_set_reminder(member: Membership, contact: Contact, weeks: object) -> Contact:
    """Stay in touch every `weeks` weeks (None or 0: no reminder). Due that many weeks after
    the last interaction either way (or from now, when there was none)."""
    check_role(member, WORK_ROLE)
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        contact.remind_every_weeks = check_weeks(weeks)
        _due(contact, timezone.now())
        contact.save(update_fields=["remind_every_weeks", "remind_at"])
    return contact


def do_forget(member: Membership, contact: Contact) -> int:
    """A person's right to be forgotten: the contact, its identities, notes and touches, and
    every inbox item its identities wrote, deleted; returns how many inbox items went."""
    check_role(member, Role.EDITOR)
    with transaction.atomic():
        authors = list(contact.identities.values_list("network", "remote_id"))
        gone = sum(do_forget_authors(contact.workspace_id, channel_networks(network), [remote_id])
                   for network, remote_id in authors)  # fmt: skip
        Contact.objects.filter(pk=contact.pk).delete()
    return gone


def do_touched_base(member: Membership, contact: Contact) -> Contact:
    """We got in touch outside Outlier (a call, a coffee): the reminder starts again from now."""
    check_role(member, WORK_ROLE)
    if not contact.remind_every_weeks:
        raise ValidationError({"weeks": "This contact has no stay-in-touch reminder."})
    contact.remind_at = timezone.now() + timedelta(weeks=contact.remind_every_weeks)
    Contact.objects.filter(pk=contact.pk).update(remind_at=contact.remind_at)
    _event(contact, member, "in touch", "outside Outlier")
    return contact


MAX_KEEP_DAYS = 3650


def do_set_settings(member: Membership, listen_per_post: object,
                    keep_texts_days: object) -> RelationshipSettings:  # fmt: skip
    """The workspace's listening target and text retention (editors and owners)."""
    check_role(member, Role.EDITOR)
    try:
        target = float(str(listen_per_post))
    except ValueError as exc:
        raise ValidationError(
            {"listen_per_post": "The target is a number, like 1 or 0.5."}
        ) from exc
    if not 0 <= target <= 100 or target != target:  # NaN is not a target
        raise ValidationError({"listen_per_post": "The target is between 0 and 100."})
    keep: int | None = None
    if keep_texts_days not in (None, ""):
        try:
            keep = int(str(keep_texts_days))
        except ValueError as exc:
            raise ValidationError({"keep_texts_days": "Days, as a whole number."}) from exc
        if not 1 <= keep <= MAX_KEEP_DAYS:
            raise ValidationError(
                {"keep_texts_days": f"Between 1 and {MAX_KEEP_DAYS} days, or empty to keep them."}
            )
    found, _ = RelationshipSettings.objects.update_or_create(
        workspace=member.workspace,
        defaults={"listen_per_post": target, "keep_texts_days": keep},
    )
    return found
