"""The contact screens: the list (search, sort by strength, lists, tags, going cold, reminders
due) and one contact (identities, the strength and its formula, the timeline both ways, the
inbox's conversations, notes, tags, lists, fields, a reminder, merge and unmerge, forget). Any
member reads; contributors and above change; forgetting a person takes an editor."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from outlier.core.actions import access_workspace
from outlier.core.authn import request_user
from outlier.core.models import Membership, Role
from outlier.inbox.actions import access_item
from outlier.publishing import content
from outlier.publishing.models import Channel
from outlier.relationships import (
    actions,
    balance,
    queries,
    streams,
    strength,
    suggestions,
)
from outlier.relationships.models import (
    Contact,
    ContactList,
    ContactTag,
    RelationshipSettings,
    Stream,
    StreamKind,
)

PAGE_SIZE = 50


def member_for(request: HttpRequest, ws: str, role: str = Role.VIEWER) -> Membership:
    return access_workspace(request_user(request), ws, role)


def _wanted(request: HttpRequest, workspace_id: int) -> queries.Wanted:
    get = request.GET
    list_id = get.get("list", "")
    sort = get.get("sort", "strength")
    return queries.Wanted(
        q=get.get("q", "").strip()[:200], sort=sort if sort in queries.SORTS else "strength",
        list_id=int(list_id) if list_id.isdigit() else None, tag=get.get("tag", "")[:50],
        cold=get.get("cold") == "1", due=get.get("due") == "1",
        follows_you=get.get("follows") == "1",
    )  # fmt: skip


@login_required
def contact_list(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    workspace = member.workspace
    wanted = _wanted(request, workspace.pk)
    pages = Paginator(queries.contacts(workspace.pk, wanted), PAGE_SIZE)
    page = pages.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "relationships/contacts.html", {
        "membership": member, "workspace": workspace, "wanted": wanted, "page": page,
        "contacts": queries.with_identities(list(page.object_list)),
        "lists": ContactList.objects.filter(workspace=workspace),
        "tags": ContactTag.objects.filter(workspace=workspace), "query": query.urlencode(),
        "sorts": [("strength", "Strength"), ("recent", "Last interaction"), ("name", "Name")],
        "cold_days": queries.COLD_DAYS, "can_work": member.allows(Role.CONTRIBUTOR),
        "due_count": queries.contacts(workspace.pk, queries.Wanted(due=True)).count(),
        "suggestions": suggestions.open_suggestions(workspace.pk, limit=20),
    })  # fmt: skip


def _page(request: HttpRequest, member: Membership, contact: Contact,
          status: int = 200) -> HttpResponse:  # fmt: skip
    score = queries.current(contact)
    return render(request, "relationships/contact.html", {
        "membership": member, "workspace": member.workspace, "contact": contact,
        "identities": list(contact.identities.order_by("pk")),
        "score": score, "formula": strength.explain(score), "half_life": strength.HALF_LIFE_DAYS,
        "reciprocity": strength.RECIPROCITY, "weights_in": strength.WEIGHTS_IN,
        "weights_out": strength.WEIGHTS_OUT, "timeline": queries.timeline(contact),
        "conversations": queries.conversations(contact),
        "notes": contact.notes.select_related("author")[:50],
        "events": contact.events.select_related("user")[:20], "tags": contact.tags.all(),
        "lists": contact.lists.all(), "all_lists": ContactList.objects.filter(
            workspace=member.workspace),
        "fields": sorted(contact.fields.items()),
        "can_work": member.allows(Role.CONTRIBUTOR), "can_forget": member.allows(Role.EDITOR),
        "merge_candidates": _candidates(member, contact, request.GET.get("merge_q", "")),
        "merge_q": request.GET.get("merge_q", ""),
    }, status=status)  # fmt: skip


def _candidates(member: Membership, contact: Contact, q: str) -> list[Contact]:
    if not q.strip():
        return []
    rows = queries.contacts(member.workspace.pk, queries.Wanted(q=q.strip()[:200]))
    return queries.with_identities(list(rows.exclude(pk=contact.pk)[:10]))


@login_required
def contact(request: HttpRequest, ws: str, contact_id: int) -> HttpResponse:
    member = member_for(request, ws)
    found = actions.access_contact(member, contact_id)
    if request.method != "POST":
        return _page(request, member, found)
    action = request.POST.get("action", "")
    here = reverse("relationships:contact", args=[ws, found.pk])
    try:
        done = _act(member, found, action, request.POST)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _page(request, member, found, status=400)
    if action == "forget":
        messages.success(request, done)
        return redirect("relationships:list", ws)
    if action == "merge" and not Contact.objects.filter(pk=found.pk).exists():
        here = reverse("relationships:contact", args=[ws, _int(request.POST.get("other"))])
    messages.success(request, done)
    return redirect(here)


def _act(member: Membership, contact: Contact, action: str, post: Any) -> str:
    """One change from the contact page; the message to show."""
    if action == "note":
        actions.do_add_note(member, contact, post.get("text", ""))
        return "Note added."
    if action == "tag":
        actions.do_tag(member, [contact], post.get("tags", "").split(","))
        return "Tagged."
    if action == "untag":
        actions.do_tag(member, [contact], [post.get("tag", "")], remove=True)
        return "Tag removed."
    if action == "list":
        found = actions.do_add_to_list(member, [contact], post.get("list", ""))
        return f"Added to {found.name}."
    if action == "unlist":
        listed = ContactList.objects.filter(pk=_int(post.get("list_id"))).first()
        if listed is None:
            raise ValidationError({"list": "No such list."})
        actions.do_remove_from_list(member, contact, listed)
        return f"Removed from {listed.name}."
    if action == "fields":
        labels, values = post.getlist("label"), post.getlist("value")
        actions.do_set_fields(member, contact, dict(zip(labels, values, strict=False)))
        return "Fields saved."
    if action == "star":
        actions.do_star(member, contact, post.get("starred") == "1")
        return "Marked important." if post.get("starred") == "1" else "No longer important."
    if action == "reminder":
        updated = actions.do_set_reminder(member, contact, post.get("weeks", ""))
        if updated.remind_every_weeks:
            return f"Reminder set: every {updated.remind_every_weeks} weeks."
        return "Reminder removed."
    if action == "touched":
        actions.do_touched_base(member, contact)
        return "Noted: the reminder starts again from today."
    if action == "rename":
        actions.do_rename(member, contact, post.get("name", ""))
        return "Renamed."
    if action == "merge":
        other = actions.access_contact(member, _int(post.get("other")))
        into, merged = (contact, other) if post.get("into") != str(other.pk) else (other, contact)
        actions.do_merge(member, into, [merged])
        return f"Merged into {into}."
    if action == "unmerge":
        identity = actions.access_identity(member, _int(post.get("identity")))
        if identity.contact_id != contact.pk:
            raise ValidationError({"identity": "That identity is not this contact's."})
        new = actions.do_unmerge(member, identity)
        return f"{identity.handle} is a contact of its own now ({new})."
    if action == "forget":
        if post.get("confirm") != "yes":
            raise ValidationError(
                {"confirm": "Tick the box to confirm: forgetting cannot be undone."}
            )
        gone = actions.do_forget(member, contact)
        return f"{contact} is forgotten: the contact and {gone} inbox item{'s' * (gone != 1)}."
    raise ValidationError({"action": "Unknown action."})


def _int(raw: object) -> int:
    try:
        return int(str(raw))
    except ValueError as exc:
        raise ValidationError({"id": "Choose one."}) from exc


@login_required
@require_POST
def of_item(request: HttpRequest, ws: str, item_id: int) -> HttpResponse:
    """The contact behind an inbox item's author (made now if the sync has not seen them)."""
    member = member_for(request, ws)
    item = access_item(member, item_id)
    try:
        contact_id = actions.do_contact_of_author(member, item)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("inbox:item", ws, item.pk)
    return redirect("relationships:contact", ws, contact_id)


@login_required
def balance_page(request: HttpRequest, ws: str) -> HttpResponse:
    """Talking and listening per week and channel, against the workspace's target; editors set
    the target and how long others' texts are kept."""
    member = member_for(request, ws)
    workspace = member.workspace
    status = 200
    if request.method == "POST":
        try:
            actions.do_set_settings(member, request.POST.get("listen_per_post", ""),
                                    request.POST.get("keep_texts_days", ""))  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            status = 400
        else:
            messages.success(request, "Saved.")
            return redirect("relationships:balance", ws)
    target = balance.target_of(workspace.pk)
    weeks = balance.weeks(workspace.pk)
    names = balance.channel_names(workspace.pk)
    rows = [{"week": w, "ratio": w.ratio(), "all_talk": w.all_talk(target),
             "channels": sorted(((names.get(pk, "?"), c) for pk, c in w.by_channel.items()),
                                key=lambda pair: pair[0])}
            for w in reversed(weeks)]  # fmt: skip
    choice = RelationshipSettings.objects.filter(workspace=workspace).first()
    return render(request, "relationships/balance.html", {
        "membership": member, "workspace": workspace, "rows": rows, "target": target,
        "keep_texts_days": choice.keep_texts_days if choice else None,
        "can_set": member.allows(Role.EDITOR),
    }, status=status)  # fmt: skip


@login_required
@require_POST
def decide(request: HttpRequest, ws: str, suggestion_id: int) -> HttpResponse:
    """Merge the two contacts a suggestion names, or dismiss it for good."""
    member = member_for(request, ws)
    found = suggestions.access_suggestion(member, suggestion_id)
    merge = request.POST.get("decision") == "merge"
    try:
        suggestions.do_decide(member, found, merge)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("relationships:list", ws)
    if merge:
        messages.success(request, f"Merged {found.first.handle} and {found.second.handle}.")
        return redirect("relationships:contact", ws, found.first.contact_id)
    messages.success(request, "Dismissed: it will not be suggested again.")
    return redirect("relationships:list", ws)


@login_required
def stream_list(request: HttpRequest, ws: str) -> HttpResponse:
    """The workspace's listening streams; editors add and remove them."""
    member = member_for(request, ws)
    workspace = member.workspace
    status = 200
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("action") == "delete":
                stream = streams.access_stream(member, _int(post.get("stream")))
                streams.do_delete_stream(member, stream)
                messages.success(request, f"Stream “{stream.name}” removed.")
            else:
                made = streams.do_create_stream(member, post.get("channel", ""),
                                                post.get("kind", ""), post.get("query", ""),
                                                post.get("name", ""))  # fmt: skip
                messages.success(request, f"Listening: “{made.name}”. Its first posts arrive "
                                          "within a minute.")  # fmt: skip
                return redirect("relationships:stream", ws, made.pk)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            status = 400
        else:
            return redirect("relationships:streams", ws)
    readers = [c for c in Channel.objects.filter(workspace=workspace).order_by("name")
               if {"search", "feed"} & content.adapter_for(c).capabilities]  # fmt: skip
    return render(request, "relationships/streams.html", {
        "membership": member, "workspace": workspace,
        "streams": Stream.objects.filter(workspace=workspace).select_related("channel"),
        "readers": readers, "kinds": StreamKind.choices, "can_set": member.allows(Role.EDITOR),
        "form": request.POST if status == 400 else {},
    }, status=status)  # fmt: skip


@login_required
def stream(request: HttpRequest, ws: str, stream_id: int) -> HttpResponse:
    member = member_for(request, ws)
    found = streams.access_stream(member, stream_id)
    return render(request, "relationships/stream.html", {
        "membership": member, "workspace": member.workspace, "stream": found,
        "hits": streams.hits(found), "can_work": member.allows(Role.CONTRIBUTOR),
    })  # fmt: skip
