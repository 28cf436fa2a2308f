"""Contacts in the REST API: the list (search, sort by strength, lists, tags, going cold,
reminders due), one contact with its identities, strength and formula, timeline both ways,
notes and history; changes (name, star, fields, tags, lists, notes, reminder), merge and
unmerge of identities, forgetting a person; the lists.

Any member reads; contributors and above (with a write token) change contacts; forgetting a
person takes an editor. Contacts, identities and lists of another workspace answer 404. Every
write calls `outlier.relationships.actions`, as the screens do.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from outlier.api.auth import membership
from outlier.core.actions import check_role
from outlier.relationships import (
    actions,
    balance,
    growth,
    queries,
    streams,
    strength,
    suggestions,
)
from outlier.relationships.models import (
    Contact,
    ContactList,
    Identity,
    MergeSuggestion,
    ReminderDigest,
    Stream,
)

router = Router(tags=["contacts"])

MAX_PAGE = 200


class IdentityOut(Schema):
    id: int
    network: str  # bluesky or fediverse (Mastodon accounts are fediverse actors)
    remote_id: str  # DID or actor URI
    handle: str
    name: str
    avatar: str
    profile_url: str
    followers: int | None
    follows_you: bool
    you_follow: bool
    first_seen_at: datetime
    last_seen_at: datetime


class ContactOut(Schema):
    id: int
    name: str
    starred: bool
    strength: float  # now: from them + from us + 2 × the smaller (see `formula`)
    inbound: float
    outbound: float
    interactions_in: int
    interactions_out: int
    first_seen_at: datetime | None
    last_interaction_at: datetime | None
    remind_every_weeks: int | None
    remind_at: datetime | None
    tags: list[str]
    lists: list[str]
    fields: dict[str, str]
    identities: list[IdentityOut]


class EntryOut(Schema):
    at: datetime
    direction: Literal["in", "out"]
    kind: str
    text: str
    url: str
    identity_id: int
    item_id: int | None  # the inbox item, for theirs


class NoteOut(Schema):
    id: int
    text: str
    author: str
    created_at: datetime


class EventOut(Schema):
    at: datetime
    action: str
    detail: str
    user: str


class ContactDetailOut(ContactOut):
    formula: str
    timeline: list[EntryOut]
    notes: list[NoteOut]
    history: list[EventOut]


class PageOut(Schema):
    count: int
    items: list[ContactOut]
    next_offset: int | None


class ListOut(Schema):
    id: int
    name: str
    contacts: int


def identity_out(identity: Identity) -> dict[str, Any]:
    return {name: getattr(identity, name) for name in IdentityOut.model_fields if name != "id"} | {
        "id": identity.pk
    }


def contact_out(contact: Contact, identities: list[Identity] | None = None) -> dict[str, Any]:
    score = queries.current(contact)
    found = identities if identities is not None else list(contact.identities.order_by("pk"))
    return {
        "id": contact.pk, "name": contact.name, "starred": contact.starred,
        "strength": round(score.strength, 3), "inbound": round(score.inbound, 3),
        "outbound": round(score.outbound, 3), "interactions_in": contact.interactions_in,
        "interactions_out": contact.interactions_out, "first_seen_at": contact.first_seen_at,
        "last_interaction_at": contact.last_interaction_at,
        "remind_every_weeks": contact.remind_every_weeks, "remind_at": contact.remind_at,
        "tags": [t.name for t in contact.tags.all()],
        "lists": [lst.name for lst in contact.lists.all()], "fields": contact.fields,
        "identities": [identity_out(i) for i in found],
    }  # fmt: skip


def detail_out(contact: Contact) -> dict[str, Any]:
    return contact_out(contact) | {
        "formula": strength.explain(queries.current(contact)),
        "timeline": [{"at": e.at, "direction": e.direction, "kind": e.kind, "text": e.text,
                      "url": e.url, "identity_id": e.identity.pk,
                      "item_id": e.item.pk if e.item else None}
                     for e in queries.timeline(contact)],
        "notes": [{"id": n.pk, "text": n.text, "author": str(n.author or ""),
                   "created_at": n.created_at} for n in contact.notes.all()[:100]],
        "history": [{"at": e.at, "action": e.action, "detail": e.detail,
                     "user": str(e.user or "")} for e in contact.events.all()[:100]],
    }  # fmt: skip


class ListFilters(Schema):
    q: str = ""
    sort: Literal["strength", "recent", "name"] = "strength"
    list_id: int | None = None
    tag: str = ""
    cold: bool = False
    due: bool = False
    follows_you: bool = False
    offset: int = 0
    limit: int = 50


@router.get("/contacts", response=PageOut, summary="List contacts",
            description="Sorted by strength (default), last interaction or name; `cold` keeps "
                        "important contacts with nothing either way for 30 days, `due` those "
                        "whose stay-in-touch reminder is due.")  # fmt: skip
def list_contacts(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    member = membership(request)
    if not 1 <= filters.limit <= MAX_PAGE or filters.offset < 0:
        raise ValidationError({"limit": f"limit is 1 to {MAX_PAGE} and offset at least 0."})
    wanted = queries.Wanted(q=filters.q.strip()[:200], sort=filters.sort,
                            list_id=filters.list_id, tag=filters.tag[:50], cold=filters.cold,
                            due=filters.due, follows_you=filters.follows_you)  # fmt: skip
    rows = queries.contacts(member.workspace.pk, wanted).prefetch_related("tags", "lists")
    count = rows.count()
    page = queries.with_identities(list(rows[filters.offset : filters.offset + filters.limit]))
    end = filters.offset + len(page)
    return {"count": count, "items": [contact_out(c, c.identity_list) for c in page],  # type: ignore[attr-defined]
            "next_offset": end if end < count else None}  # fmt: skip


@router.get("/contacts/{int:contact_id}", response=ContactDetailOut, summary="Read a contact")
def read_contact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    return detail_out(actions.access_contact(membership(request), contact_id))


class ContactPatch(Schema):
    name: str | None = None
    starred: bool | None = None
    fields: dict[str, str] | None = None
    remind_every_weeks: int | None = None  # 0 removes the reminder


@router.patch("/contacts/{int:contact_id}", response=ContactDetailOut,
              summary="Change a contact's name, star, fields or reminder")  # fmt: skip
def change_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> dict[str, Any]:
    member = membership(request, write=True)
    contact = actions.access_contact(member, contact_id)
    given = payload.model_dump(exclude_unset=True)
    # Everything is checked before anything is stored.
    check_role(member, actions.WORK_ROLE)
    if "name" in given:
        actions.check_name(given["name"] or "")
    if given.get("fields") is not None:
        actions.check_fields(given["fields"])
    if "remind_every_weeks" in given:
        actions.check_weeks(given["remind_every_weeks"])
    if "name" in given:
        actions.do_rename(member, contact, given["name"] or "")
    if given.get("starred") is not None:
        actions.do_star(member, contact, given["starred"])
    if given.get("fields") is not None:
        actions.do_set_fields(member, contact, given["fields"])
    if "remind_every_weeks" in given:
        actions.do_set_reminder(member, contact, given["remind_every_weeks"])
    return detail_out(actions.access_contact(member, contact_id))


class NoteIn(Schema):
    text: str


@router.post("/contacts/{int:contact_id}/notes", response={201: NoteOut},
             summary="Add a note for the team")  # fmt: skip
def add_note(request: HttpRequest, contact_id: int, payload: NoteIn) -> Status[dict[str, Any]]:
    member = membership(request, write=True)
    note = actions.do_add_note(member, actions.access_contact(member, contact_id), payload.text)
    return Status(201, {"id": note.pk, "text": note.text, "author": str(member.user),
                        "created_at": note.created_at})  # fmt: skip


class TagsIn(Schema):
    tags: list[str]


@router.post("/contacts/{int:contact_id}/tag", response=ContactOut, summary="Tag a contact")
def tag(request: HttpRequest, contact_id: int, payload: TagsIn) -> dict[str, Any]:
    member = membership(request, write=True)
    contact = actions.access_contact(member, contact_id)
    actions.do_tag(member, [contact], payload.tags)
    return contact_out(contact)


@router.post("/contacts/{int:contact_id}/untag", response=ContactOut,
             summary="Remove tags from a contact")  # fmt: skip
def untag(request: HttpRequest, contact_id: int, payload: TagsIn) -> dict[str, Any]:
    member = membership(request, write=True)
    contact = actions.access_contact(member, contact_id)
    actions.do_tag(member, [contact], payload.tags, remove=True)
    return contact_out(contact)


class ListIn(Schema):
    name: str


@router.post("/contacts/{int:contact_id}/lists", response=ContactOut,
             summary="Put a contact on a list (made when missing)")  # fmt: skip
def add_to_list(request: HttpRequest, contact_id: int, payload: ListIn) -> dict[str, Any]:
    member = membership(request, write=True)
    contact = actions.access_contact(member, contact_id)
    actions.do_add_to_list(member, [contact], payload.name)
    return contact_out(contact)


@router.delete("/contacts/{int:contact_id}/lists/{int:list_id}", response=ContactOut,
               summary="Take a contact off a list")  # fmt: skip
def remove_from_list(request: HttpRequest, contact_id: int, list_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    contact = actions.access_contact(member, contact_id)
    found = ContactList.objects.filter(pk=list_id, workspace=member.workspace).first()
    if found is None:
        raise Http404("No such list.")
    actions.do_remove_from_list(member, contact, found)
    return contact_out(contact)


class MergeIn(Schema):
    contacts: list[int]  # merged into the contact of the path


@router.post("/contacts/{int:contact_id}/merge", response=ContactDetailOut,
             summary="Merge other contacts into this one",
             description="Their identities, notes, tags, lists, fields and touches move here; "
                         "they are deleted. Only contacts of this workspace.")  # fmt: skip
def merge(request: HttpRequest, contact_id: int, payload: MergeIn) -> dict[str, Any]:
    member = membership(request, write=True)
    into = actions.access_contact(member, contact_id)
    others = [actions.access_contact(member, pk) for pk in dict.fromkeys(payload.contacts)]
    return detail_out(actions.do_merge(member, into, others))


@router.post("/identities/{int:identity_id}/unmerge", response={201: ContactDetailOut},
             summary="Take an identity out of its contact into a contact of its own")  # fmt: skip
def unmerge(request: HttpRequest, identity_id: int) -> Status[dict[str, Any]]:
    member = membership(request, write=True)
    identity = actions.access_identity(member, identity_id)
    return Status(201, detail_out(actions.do_unmerge(member, identity)))


class ForgetOut(Schema):
    inbox_items_deleted: int


@router.delete("/contacts/{int:contact_id}", response=ForgetOut,
               summary="Forget a person: the contact and everything stored about them",
               description="Its identities, notes, touches and every inbox item they wrote. "
                           "Takes an editor.")  # fmt: skip
def forget(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    contact = actions.access_contact(member, contact_id)
    return {"inbox_items_deleted": actions.do_forget(member, contact)}


@router.get("/contact-lists", response=list[ListOut], summary="The workspace's contact lists")
def lists(request: HttpRequest) -> list[dict[str, Any]]:
    member = membership(request)
    rows = ContactList.objects.filter(workspace=member.workspace).annotate(n=Count("contacts"))
    return [{"id": r.pk, "name": r.name, "contacts": r.n} for r in rows]


@router.post("/contacts/{int:contact_id}/in-touch", response=ContactOut,
             summary="We were in touch outside Outlier: the reminder starts again from now")  # fmt: skip
def in_touch(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    return contact_out(actions.do_touched_base(member, actions.access_contact(member, contact_id)))


class ReminderOut(Schema):
    day: str
    user: str
    state: str
    contacts: list[int]


@router.get("/contacts/reminders/sent", response=list[ReminderOut],
            summary="Reminder e-mails sent (the last 100), with the contacts each listed")  # fmt: skip
def reminders_sent(request: HttpRequest) -> list[dict[str, Any]]:
    member = membership(request)
    digests = (ReminderDigest.objects.filter(workspace=member.workspace)
               .select_related("user").prefetch_related("entries").order_by("-day", "-pk")[:100])  # fmt: skip
    return [{"day": d.day.isoformat(), "user": d.user.email, "state": d.state,
             "contacts": [e.contact_id for e in d.entries.all()]} for d in digests]  # fmt: skip


class ChannelBalanceOut(Schema):
    channel_id: int
    talk: int
    listen: int


class WeekOut(Schema):
    week_of: str  # the Monday, UTC
    talk: int  # posts published
    replies: int  # replies sent from the inbox
    conversations: int  # conversations those replies answered
    engagements: int  # likes and reposts of others' posts
    listen: int  # replies + engagements
    listen_per_post: float | None
    all_talk: bool
    channels: list[ChannelBalanceOut]


class BalanceOut(Schema):
    target: float  # listening per post published
    weeks: list[WeekOut]


@router.get("/contacts/balance", response=BalanceOut,
            summary="Talking and listening per week and channel, against the target")  # fmt: skip
def balance_report(request: HttpRequest, weeks: int = 12) -> dict[str, Any]:
    member = membership(request)
    if not 1 <= weeks <= 104:
        raise ValidationError({"weeks": "weeks is 1 to 104."})
    target = balance.target_of(member.workspace.pk)
    return {"target": target, "weeks": [
        {"week_of": w.start.isoformat(), "talk": w.talk, "replies": w.replies,
         "conversations": w.conversations, "engagements": w.engagements, "listen": w.listen,
         "listen_per_post": w.ratio(), "all_talk": w.all_talk(target),
         "channels": [{"channel_id": pk, **c} for pk, c in sorted(w.by_channel.items())]}
        for w in balance.weeks(member.workspace.pk, weeks)]}  # fmt: skip


class SettingsIn(Schema):
    listen_per_post: float
    keep_texts_days: int | None = None


class SettingsOut(Schema):
    listen_per_post: float
    keep_texts_days: int | None


@router.put("/contacts/settings", response=SettingsOut,
            summary="Set the listening target and how long others' texts are kept (editors)")  # fmt: skip
def set_settings(request: HttpRequest, payload: SettingsIn) -> dict[str, Any]:
    member = membership(request, write=True)
    found = actions.do_set_settings(member, payload.listen_per_post, payload.keep_texts_days)
    return {"listen_per_post": found.listen_per_post, "keep_texts_days": found.keep_texts_days}


class SuggestionOut(Schema):
    id: int
    reason: str  # the proof
    state: str
    first: IdentityOut
    second: IdentityOut
    first_contact_id: int
    second_contact_id: int


def suggestion_out(s: MergeSuggestion) -> dict[str, Any]:
    return {"id": s.pk, "reason": s.reason, "state": s.state, "first": identity_out(s.first),
            "second": identity_out(s.second), "first_contact_id": s.first.contact_id,
            "second_contact_id": s.second.contact_id}  # fmt: skip


@router.get("/contacts/suggestions", response=list[SuggestionOut],
            summary="Open merge suggestions, each with its proof")  # fmt: skip
def list_suggestions(request: HttpRequest) -> list[dict[str, Any]]:
    member = membership(request)
    return [suggestion_out(s) for s in suggestions.open_suggestions(member.workspace.pk)]


class DecisionIn(Schema):
    merge: bool  # true: merge the two contacts; false: not the same person, never again


@router.post("/contacts/suggestions/{int:suggestion_id}", response=SuggestionOut,
             summary="Decide a merge suggestion")  # fmt: skip
def decide_suggestion(request: HttpRequest, suggestion_id: int,
                      payload: DecisionIn) -> dict[str, Any]:  # fmt: skip
    member = membership(request, write=True)
    found = suggestions.access_suggestion(member, suggestion_id)
    decided = suggestions.do_decide(member, found, payload.merge)
    decided.first.refresh_from_db()
    decided.second.refresh_from_db()
    return suggestion_out(decided)


class GrowthDayOut(Schema):
    day: date
    gained: int
    lost: int


class RiseOut(Schema):
    day: date
    gained: int
    post_ids: list[int]  # posts the channel sent in the 48 hours before that day ended


class GrowthOut(Schema):
    channel_id: int
    channel: str
    network: str
    gained: int
    lost: int
    net: int
    days: list[GrowthDayOut]
    rises: list[RiseOut]


@router.get("/contacts/growth", response=list[GrowthOut],
            summary="Followers gained and lost per channel and day, from the follower lists",
            description="`start` and `end` are UTC days (end included; the last 30 days by "
                        "default, at most 366).")  # fmt: skip
def growth_report(request: HttpRequest, start: date | None = None, end: date | None = None,
                  channel_id: int | None = None) -> list[dict[str, Any]]:  # fmt: skip
    member = membership(request)
    end = end or timezone.now().date()
    start = start or end - timedelta(days=29)
    if start > end or (end - start).days > 365:
        raise ValidationError({"start": "start is on or before end, at most 366 days apart."})
    rows = growth.by_channel(member.workspace.pk, start, end, channel_id)
    rises = growth.rises(rows, (end - start).days + 1)
    return [{"channel_id": g.channel_id, "channel": g.channel, "network": g.network,
             "gained": g.gained, "lost": g.lost, "net": g.net,
             "days": [{"day": d, "gained": n[0], "lost": n[1]} for d, n in sorted(g.by_day.items())],
             "rises": [{"day": r.day, "gained": r.gained, "post_ids": [d.post_id for d in r.posts]}
                       for r in rises if r.channel_id == g.channel_id]}
            for g in rows]  # fmt: skip


class StreamOut(Schema):
    id: int
    name: str
    kind: Literal["search", "feed"]
    query: str
    channel_id: int
    active: bool
    found: int
    last_ok_at: datetime | None
    last_error: str
    next_at: datetime


class StreamPostOut(Schema):
    item_id: int  # the inbox item: reply, like and repost through /inbox/items/{id}/…
    remote_id: str
    author_handle: str
    author_name: str
    author_id: str
    text: str
    url: str
    language: str
    created_at: datetime
    link: str  # the post's first outside link, to scoop


class StreamDetailOut(StreamOut):
    posts: list[StreamPostOut]


def stream_out(s: Stream) -> dict[str, Any]:
    return {"id": s.pk, "name": s.name, "kind": s.kind, "query": s.query,
            "channel_id": s.channel_id, "active": s.active, "found": s.found,
            "last_ok_at": s.last_ok_at, "last_error": s.last_error, "next_at": s.next_at}  # fmt: skip


class StreamIn(Schema):
    channel_id: int
    kind: Literal["search", "feed"]
    query: str
    name: str = ""


@router.get("/streams", response=list[StreamOut], summary="The workspace's listening streams")
def list_streams(request: HttpRequest) -> list[dict[str, Any]]:
    member = membership(request)
    return [stream_out(s) for s in Stream.objects.filter(workspace=member.workspace)]


@router.post("/streams", response={201: StreamOut}, summary="Start listening (editors)",
             description="A keyword or #hashtag search, or a Bluesky list or feed by its "
                         "at:// address, read by one of the workspace's channels.")  # fmt: skip
def create_stream(request: HttpRequest, payload: StreamIn) -> Status[dict[str, Any]]:
    member = membership(request, write=True)
    made = streams.do_create_stream(member, payload.channel_id, payload.kind, payload.query,
                                    payload.name)  # fmt: skip
    return Status(201, stream_out(made))


@router.get("/streams/{int:stream_id}", response=StreamDetailOut,
            summary="A stream with the newest posts it found")  # fmt: skip
def read_stream(request: HttpRequest, stream_id: int, limit: int = 50) -> dict[str, Any]:
    member = membership(request)
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError({"limit": f"limit is 1 to {MAX_PAGE}."})
    found = streams.access_stream(member, stream_id)
    return stream_out(found) | {"posts": [
        {"item_id": h.interaction.pk, "remote_id": h.interaction.remote_id,
         "author_handle": h.interaction.author_handle, "author_name": h.interaction.author_name,
         "author_id": h.interaction.author_id, "text": h.interaction.text,
         "url": h.interaction.url, "language": h.interaction.language,
         "created_at": h.interaction.created_at, "link": h.link}
        for h in streams.hits(found, limit)]}  # fmt: skip


@router.delete("/streams/{int:stream_id}", response={204: None},
               summary="Stop listening (editors); the posts found stay")  # fmt: skip
def delete_stream(request: HttpRequest, stream_id: int) -> Status[None]:
    member = membership(request, write=True)
    streams.do_delete_stream(member, streams.access_stream(member, stream_id))
    return Status(204, None)
