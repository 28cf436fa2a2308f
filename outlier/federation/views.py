"""WebFinger, actor documents, collections, objects and the inboxes. Private topics do not
exist here: every endpoint answers 404 for them."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from outlier.curation.models import Scoop, Topic
from outlier.federation import actions, addresses, authenticity, documents, inbox, queries
from outlier.federation.models import (
    ActorKey,
    OutgoingActivity,
    PostedNote,
    Publication,
    PublicationState,
)
from outlier.networks.activitypub import vocabulary as vocab

logger = logging.getLogger(__name__)

MAX_INBOX_BYTES = 1024 * 1024
CACHE_SECONDS = 60


def activity_json(doc: dict[str, Any], status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(doc, ensure_ascii=False),
        content_type=f"{vocab.ACTIVITY_JSON}; charset=utf-8",
        status=status,
    )
    response["Vary"] = "Accept"
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _not_found(message: str = "Not found.") -> JsonResponse:
    return JsonResponse({"error": message}, status=404)


def _wants_html(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return not vocab.wants_activity_json(accept) and "text/html" in accept


# --- discovery ------------------------------------------------------------------------------


def _topic_for_resource(resource: str) -> Topic | None:
    if resource.startswith(("http://", "https://")):
        topic_id = addresses.topic_id_from_actor_uri(resource)
        if topic_id is not None:
            return queries.public_topic(topic_id)
        slug = addresses.topic_slug_from_page_url(resource)
        return queries.public_topic_by_slug(slug) if slug else None
    handle = resource.removeprefix("acct:").lstrip("@")
    slug, at, host = handle.rpartition("@")
    if not at or host.lower() != addresses.host():
        return None
    return queries.public_topic_by_slug(slug)


def _is_instance_resource(resource: str) -> bool:
    """The instance actor, asked for as acct:host@host, by its id, or by the site's URL."""
    if resource.startswith(("http://", "https://")):
        return resource.split("#", 1)[0].rstrip("/") in (
            addresses.instance_actor_uri(),
            addresses.absolute("").rstrip("/"),
        )
    handle = resource.removeprefix("acct:").lstrip("@")
    name, at, host = handle.rpartition("@")
    return bool(at) and name.lower() == host.lower() == addresses.host()


@require_safe
def webfinger(request: HttpRequest) -> HttpResponse:
    resource = request.GET.get("resource", "").strip()
    if not resource:
        return JsonResponse({"error": "Give the account as ?resource=acct:topic@host."}, status=400)
    if _is_instance_resource(resource):
        doc = vocab.webfinger(
            f"acct:{addresses.host()}@{addresses.host()}",
            addresses.instance_actor_uri(),
            addresses.absolute("/"),
        )
    else:
        topic = _topic_for_resource(resource)
        if topic is None:
            return _not_found("No such account here.")
        doc = vocab.webfinger(
            f"acct:{topic.slug}@{addresses.host()}",
            addresses.actor_uri(topic.pk),
            addresses.absolute(topic.get_absolute_url()),
        )
    response = HttpResponse(json.dumps(doc), content_type="application/jrd+json")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def actor_response(topic: Topic) -> HttpResponse:
    return activity_json(documents.actor_document(topic, actions.ensure_actor_key(topic.pk)))


def _gone_actor(topic_id: int) -> HttpResponse | None:
    """410 with a Tombstone for a topic that was an actor (it had a key) and was deleted."""
    if Topic.objects.filter(pk=topic_id).exists():
        return None
    key = ActorKey.objects.filter(topic_id=topic_id).only("created_at").first()
    if key is None:
        return None
    return activity_json(
        {"@context": vocab.CONTEXT, **vocab.tombstone(addresses.actor_uri(topic_id), "Service")},
        status=410,
    )


@require_safe
def actor(request: HttpRequest, topic_id: int) -> HttpResponseBase:
    topic = queries.public_topic(topic_id)
    if topic is None:
        return _gone_actor(topic_id) or _not_found("No such actor.")
    if _wants_html(request):
        return HttpResponseRedirect(topic.get_absolute_url())
    return actor_response(topic)


@require_safe
def instance_actor(request: HttpRequest) -> HttpResponse:
    return activity_json(documents.instance_actor_document(actions.ensure_instance_key()))


@require_safe
def instance_outbox(request: HttpRequest) -> HttpResponse:
    return activity_json(vocab.ordered_collection(addresses.instance_outbox_uri(), 0))


# --- collections ----------------------------------------------------------------------------


@require_safe
def outbox(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = queries.public_topic(topic_id)
    if topic is None:
        return _not_found("No such actor.")
    collection = addresses.outbox_uri(topic.pk)
    raw_page = request.GET.get("page")
    if raw_page is None:
        total = queries.outbox_total(topic)
        return activity_json(vocab.ordered_collection(collection, total, f"{collection}?page=1"))
    if not raw_page.isdigit() or int(raw_page) < 1:
        return JsonResponse({"error": "page must be a positive number."}, status=400)
    page = int(raw_page)
    entries, more = queries.outbox_page(topic, page)
    scoops = [entry for entry in entries if isinstance(entry, Scoop)]
    publications = {
        pub.scoop_id: pub
        for pub in Publication.objects.filter(
            scoop_id__in=[s.pk for s in scoops], state=PublicationState.LIVE
        ).select_related("link")
    }
    items = []
    for entry in entries:
        if isinstance(entry, PostedNote):  # a post sent on the topic's fediverse channel
            items.append(vocab.create(entry.create_uri, entry.document))
            continue
        scoop = entry
        publication = publications.get(scoop.pk)
        if publication is not None:
            obj = documents.scoop_object(scoop, publication)
        else:  # not swept yet: the object its next publication will be
            obj = documents.scoop_object(scoop, number=queries.current_object(scoop.pk)[1])
        create_uri = publication.create_uri if publication else f"{obj['id']}#create"
        items.append(vocab.create(create_uri, obj))
    return activity_json(
        vocab.ordered_collection_page(
            f"{collection}?page={page}",
            collection,
            items,
            next_page=f"{collection}?page={page + 1}" if more else None,
            prev_page=f"{collection}?page={page - 1}" if page > 1 else None,
        )
    )


@require_safe
def followers(request: HttpRequest, topic_id: int) -> HttpResponse:
    """Only the count: who follows a topic is the followers' business."""
    topic = queries.public_topic(topic_id)
    if topic is None:
        return _not_found("No such actor.")
    return activity_json(
        vocab.ordered_collection(
            addresses.followers_uri(topic.pk), queries.follower_count(topic.pk)
        )
    )


# --- objects --------------------------------------------------------------------------------


def object_response(scoop_id: int, number: int | None = None) -> HttpResponse | None:
    """The object of the scoop's `number`th publication (None: its current one): the Note
    while the scoop is visible and this is its current object, 410 with a Tombstone once this
    object was deleted (a scoop published again is a new object), else None."""
    live, current = queries.current_object(scoop_id)
    if number is None or number == current:
        scoop = queries.visible_scoop(scoop_id)
        if scoop is not None:
            return activity_json(documents.scoop_object(scoop, live, number=current))
        number = current
    gone = Publication.objects.filter(
        scoop_id=scoop_id, number=number, state=PublicationState.DELETED
    ).first()
    if gone is None or queries.public_topic(gone.topic_id) is None:
        return None
    return activity_json(
        {
            "@context": vocab.CONTEXT,
            **vocab.tombstone(gone.object_uri, gone.object_type, gone.changed_at),
        },
        status=410,
    )


def _object(request: HttpRequest, scoop_id: int, number: int) -> HttpResponseBase:
    if _wants_html(request):
        scoop = queries.visible_scoop(scoop_id)
        if scoop is not None:
            return HttpResponseRedirect(scoop.get_absolute_url())
    return object_response(scoop_id, number) or _not_found("No such object.")


@require_safe
def scoop_object(request: HttpRequest, scoop_id: int) -> HttpResponseBase:
    """A scoop's first object (/ap/scoops/<id>)."""
    return _object(request, scoop_id, 1)


@require_safe
def scoop_object_version(request: HttpRequest, scoop_id: int, number: int) -> HttpResponseBase:
    """The object of a scoop published again (/ap/scoops/<id>/<n>, n ≥ 2)."""
    if number < 2:
        return _not_found("No such object.")
    return _object(request, scoop_id, number)


@require_safe
def posted_note(request: HttpRequest, token: str) -> HttpResponseBase:
    """A post sent on a topic's fediverse channel: its Note while live, 410 with a Tombstone
    once deleted; a person's browser gets the Note as a small page."""
    note = queries.posted_note(token)
    if note is None or queries.public_topic(note.topic_id) is None:
        return _not_found("No such object.")
    if note.state == PublicationState.DELETED:
        tombstone = vocab.tombstone(note.object_uri, "Note", note.deleted_at)
        return activity_json({"@context": vocab.CONTEXT, **tombstone}, status=410)
    if _wants_html(request):
        response = render(request, "federation/posted_note.html", {
            "note": note, "topic": note.topic, "content": note.document.get("content", ""),
            "images": [a for a in note.document.get("attachment", []) if a.get("type") == "Image"],
            "handle": f"@{note.topic.slug}@{addresses.host()}",
        })  # fmt: skip
        response["Vary"] = "Accept"
        return response
    return activity_json(note.document)


@require_safe
def activity(request: HttpRequest, token: str) -> HttpResponse:
    row = OutgoingActivity.objects.filter(
        uri=addresses.activity_uri(token),
        type__in=("Create", "Update", "Delete", "Like", "Announce"),
    ).first()
    if row is None or queries.public_topic(row.topic_id) is None:
        return _not_found("No such activity.")
    return activity_json(row.payload)


def negotiated(request: HttpRequest) -> HttpResponse | None:
    """The ActivityStreams twin of a public topic page (its actor) or scoop page (its object)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name == "site:topic":
        topic = queries.public_topic_by_slug(str(match.kwargs["topic"]))
        return actor_response(topic) if topic is not None else None
    if match.view_name == "site:scoop":
        scoop = queries.visible_scoop(int(match.kwargs["pk"]))
        if scoop is None or scoop.topic.slug != match.kwargs["topic"]:
            return None
        return object_response(scoop.pk)
    return None


# --- inboxes --------------------------------------------------------------------------------


def _receive(request: HttpRequest, topic: Topic | None) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    started = time.perf_counter()
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_INBOX_BYTES:
        return JsonResponse({"error": "The activity is too large."}, status=413)
    body = request.body
    if len(body) > MAX_INBOX_BYTES:
        return JsonResponse({"error": "The activity is too large."}, status=413)
    try:
        activity = json.loads(body)
    except ValueError:
        return JsonResponse({"error": "The body is not JSON."}, status=400)
    if not isinstance(activity, dict):
        return JsonResponse({"error": "The body is not an activity."}, status=400)
    # The key fetch is signed by the topic addressed, or (shared inbox) the instance actor.
    signer = actions.fetch_signer(topic.pk if topic is not None else None)
    try:
        sender = authenticity.authenticate(request, body, activity, signer=signer)
    except authenticity.NotAuthentic as exc:
        logger.info("Refused an inbox POST: %s", exc)
        response = JsonResponse({"error": f"Signature refused: {exc}"}, status=401)
        response["WWW-Authenticate"] = 'Signature realm="outlier"'
        return response
    except authenticity.GoneActor:
        return HttpResponse(status=202)
    outcome = inbox.handle(activity, sender)
    logger.info(
        "Inbox: %s %s from %s: %s (%.0f ms)",
        activity.get("type"), activity.get("id"), sender.uri, outcome,
        (time.perf_counter() - started) * 1000,
    )  # fmt: skip
    return HttpResponse(status=202)


@csrf_exempt
def topic_inbox(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = queries.public_topic(topic_id)
    if topic is None:
        return _not_found("No such actor.")
    return _receive(request, topic)


@csrf_exempt
def shared_inbox(request: HttpRequest) -> HttpResponse:
    return _receive(request, None)
