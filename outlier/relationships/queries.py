"""The reads the contact screens and the API share: the list (search, sort, lists, tags, going
cold, reminders due) and one contact's timeline of everything both ways."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OrderBy, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from outlier.inbox.models import Interaction, InteractionKind
from outlier.relationships import strength
from outlier.relationships.models import (
    CHANNEL_NETWORKS,
    Contact,
    FollowEvent,
    Identity,
    Touch,
    channel_networks,
)

SORTS: dict[str, tuple[str | OrderBy, str]] = {
    "strength": ("-rank", "-pk"),
    "recent": (F("last_interaction_at").desc(nulls_last=True), "-pk"),
    "name": ("name", "pk"),
}
COLD_DAYS = 30
TIMELINE = 100


@dataclass(frozen=True)
class Wanted:
    q: str = ""
    sort: str = "strength"
    list_id: int | None = None
    tag: str = ""
    cold: bool = False  # starred contacts with nothing either way for COLD_DAYS
    due: bool = False  # a stay-in-touch reminder is due
    follows_you: bool = False


def contacts(workspace_id: int, wanted: Wanted, now: datetime | None = None) -> QuerySet[Contact]:
    now = now or timezone.now()
    rows = Contact.objects.filter(workspace_id=workspace_id)
    if wanted.q:
        rows = rows.filter(matching(workspace_id, wanted.q))
    if wanted.list_id:
        rows = rows.filter(lists__id=wanted.list_id)
    if wanted.tag:
        rows = rows.filter(tags__name__iexact=wanted.tag)
    if wanted.cold:
        since = now - timedelta(days=COLD_DAYS)
        rows = rows.filter(starred=True).filter(
            Q(last_interaction_at__lt=since) | Q(last_interaction_at__isnull=True)
        )
    if wanted.due:
        rows = rows.filter(remind_at__lte=now)
    if wanted.follows_you:
        rows = rows.filter(Exists(Identity.objects.filter(contact=OuterRef("pk"),
                                                          follows_you=True)))  # fmt: skip
    return rows.order_by(*SORTS.get(wanted.sort, SORTS["strength"]))


TRIGRAM = 3  # the shortest text the trigram indexes find; a shorter one is looked for by a scan


class _AnyOf(Func):
    """`expression = ANY(ARRAY(subquery))`: PostgreSQL runs the subquery once and fetches the
    rows it names by their primary key, where `IN (subquery)` had it hash-join a scan of the
    whole table (bench/contacts.py)."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()


def matching(workspace_id: int, q: str) -> Q:
    """Contacts whose name, or one of whose identities' handle or name, contains `q`, case
    ignored: the ids of both found through the trigram indexes of migration 0006 (on SQLite
    FTS5's trigram tokenizer, `q` as one phrase, which matches it as a substring; on PostgreSQL
    pg_trgm's indexes on what `icontains` compares), not by one subquery per contact. On SQLite
    a `q` shorter than a trigram is looked for by scanning both tables once."""
    if connection.vendor == "sqlite" and len(q) >= TRIGRAM:
        phrase = '"' + q.replace('"', '""') + '"'  # the text itself, never query syntax
        return Q(pk__in=RawSQL(
            "SELECT rowid FROM relationships_contact_search"
            " WHERE relationships_contact_search MATCH %s"
            " UNION SELECT contact_id FROM relationships_identity WHERE workspace_id = %s"
            " AND id IN (SELECT rowid FROM relationships_identity_search"
            " WHERE relationships_identity_search MATCH %s)", (phrase, workspace_id, phrase),
        ))  # fmt: skip
    by_name = Contact.objects.filter(workspace_id=workspace_id, name__icontains=q).values("pk")
    by_identity = Identity.objects.filter(workspace_id=workspace_id).filter(
        Q(handle__icontains=q) | Q(name__icontains=q)
    )
    found = by_name.union(by_identity.values("contact_id"), all=True)  # an id twice: no matter
    if connection.vendor == "postgresql":
        return Q(_AnyOf(F("pk"), Subquery(found)))
    return Q(pk__in=found)


def with_identities(rows: list[Contact], now: datetime | None = None) -> list[Contact]:
    """The page's contacts with their identities (one query) and their strength now."""
    now = now or timezone.now()
    by_contact: dict[int, list[Identity]] = {}
    for identity in Identity.objects.filter(contact_id__in=[c.pk for c in rows]).order_by("pk"):
        by_contact.setdefault(identity.contact_id, []).append(identity)
    for contact in rows:
        contact.identity_list = by_contact.get(contact.pk, [])  # type: ignore[attr-defined]
        contact.strength_now = current(contact, now).strength  # type: ignore[attr-defined]
    return rows


def current(contact: Contact, now: datetime | None = None) -> strength.Score:
    """The contact's score as of now."""
    now = now or timezone.now()
    score = strength.Score(contact.inbound, contact.outbound)
    return score.at(contact.scored_at, now) if contact.scored_at else score


@dataclass(frozen=True)
class Entry:
    """One line of a contact's timeline."""

    at: datetime
    direction: str  # "in" (theirs) or "out" (ours)
    kind: str
    text: str
    url: str
    identity: Identity
    item: Interaction | None = None  # the inbox item, for theirs
    touch: Touch | None = None


def timeline(contact: Contact, limit: int = TIMELINE) -> list[Entry]:
    """Everything both ways, newest first: their replies, mentions, quotes, messages, likes,
    reposts and follows (the inbox's items) and our replies, likes and reposts to them."""
    identities = list(contact.identities.all())
    entries: list[Entry] = []
    for identity in identities:
        items = Interaction.objects.filter(
            workspace_id=contact.workspace_id, author_id=identity.remote_id,
            channel__network__in=channel_networks(identity.network),
        ).exclude(kind=InteractionKind.POST).select_related("channel").order_by(
            "-created_at", "-pk")[:limit]  # fmt: skip
        entries += [Entry(i.created_at, "in", i.kind, i.text, i.url, identity, item=i)
                    for i in items]  # fmt: skip
    by_id = {i.pk: i for i in identities}
    events = FollowEvent.objects.filter(identity_id__in=list(by_id)).select_related("channel")
    for event in events.order_by("-at", "-pk")[:limit]:
        kind = "follow" if event.kind == FollowEvent.GAINED else "unfollow"
        entries.append(Entry(event.at, "in", kind, f"{event.channel.name}", "",
                             by_id[event.identity_id]))  # fmt: skip
    for touch in contact.touches.order_by("-at", "-pk")[:limit]:
        entries.append(Entry(touch.at, "out", touch.kind, touch.text, touch.url,
                             by_id.get(touch.identity_id, identities[0]), touch=touch))  # fmt: skip
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def conversations(contact: Contact, limit: int = 20) -> list[Interaction]:
    """The inbox's work items from this person, newest first (one per conversation)."""
    seen: set[str] = set()
    found: list[Interaction] = []
    for identity in contact.identities.all():
        rows = Interaction.objects.filter(
            workspace_id=contact.workspace_id, author_id=identity.remote_id, is_work=True,
            channel__network__in=channel_networks(identity.network),
        ).select_related("channel").order_by("-created_at", "-pk")[: limit * 3]  # fmt: skip
        for row in rows:
            if row.conversation not in seen:
                seen.add(row.conversation)
                found.append(row)
    found.sort(key=lambda i: i.created_at, reverse=True)
    return found[:limit]


def contact_of(workspace_id: int, network_of_channel: str, author_id: str) -> Contact | None:
    """The contact behind an inbox item's author, once the sync has seen them."""
    network = CHANNEL_NETWORKS.get(network_of_channel)
    if network is None:
        return None
    identity = Identity.objects.filter(workspace_id=workspace_id, network=network,
                                       remote_id=author_id).select_related("contact").first()  # fmt: skip
    return identity.contact if identity else None
