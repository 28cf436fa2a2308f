"""Visitors suggest an article on a topic's public page; it waits among the topic's suggestions
for the curator, marked as a visitor's, with their name and note.

Nothing a visitor sends is published or fetched while they wait: the suggestion is stored, and
its page is read afterwards by the worker through the safe client (`tasks.preview_suggestion`),
which fills the title and text the curator sees and the ranking uses. A story the topic already
scooped, or already has among its suggestions (by its normalised address), is not stored
twice; the visitor is thanked either way, and is told when the article is already on the topic.

Abuse: a hidden field that people leave empty (a robot that fills it is thanked and nothing is
stored), a minimum time between showing the form and sending it, a limit per client address
(hashed, in the shared cache) and a limit of open visitor suggestions per topic per day. Only
public topics whose curator allows it take suggestions (`Topic.visitor_suggestions`).

Each new suggestion is judged by moderation (`outlier.moderation`) as it is stored: one its
rules or spam model holds waits in the review queue, hidden from the curator, until approved;
a blocked, rejected or spam one is never shown (`suggestion_queries.shown_to_curator`).
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404

from outlier.core import throttle
from outlier.core.safe_http import is_forbidden_address
from outlier.curation.actions import find_duplicate
from outlier.curation.models import Topic
from outlier.curation.urlkeys import check_http_url, url_key
from outlier.moderation.judging import judge
from outlier.moderation.keys import address_key_for, author_key_for
from outlier.moderation.models import Case, Subject
from outlier.moderation.spam import Text
from outlier.sources import learn
from outlier.sources.models import Suggestion, SuggestionState

__all__ = [
    "MAX_NAME",
    "MAX_NOTE",
    "MIN_SECONDS",
    "Outcome",
    "Suggested",
    "access_open_topic",
    "check_allowed",
    "check_visitor_suggestion",
    "do_visitor_suggest",
    "form_stamp",
    "judge_suggestion",
    "seconds_since",
]

MAX_NAME = 100
MAX_NOTE = 500
MIN_SECONDS = 2  # between showing the form and sending it: people take longer
PER_ADDRESS = 5  # suggestions per client address
PER_ADDRESS_WINDOW = 3600  # seconds
PER_TOPIC_DAY = 100  # open visitor suggestions a topic takes in 24 hours
STAMP_SALT = "outlier.sources.visitor"
STAMP_MAX_AGE = 6 * 3600  # a form older than this is shown again


class Outcome(enum.Enum):
    NEW = "new"  # stored, waiting for the curator
    ALREADY_SUGGESTED = "already_suggested"  # someone suggested it before
    ON_TOPIC = "on_topic"  # the topic already has it


@dataclass(frozen=True)
class Suggested:
    outcome: Outcome
    suggestion: Suggestion | None


def access_open_topic(slug: str) -> Topic:
    """The public topic that takes visitors' suggestions, or 404."""
    topic = Topic.objects.select_related("workspace").filter(
        slug=slug, is_public=True, visitor_suggestions=True).first()  # fmt: skip
    if topic is None:
        raise Http404("This topic takes no suggestions.")
    return topic


def form_stamp(now: datetime) -> str:
    """A signed timestamp for the form, to tell how long the visitor had it."""
    return signing.dumps(now.timestamp(), salt=STAMP_SALT)


def seconds_since(stamp: str, now: datetime) -> float | None:
    """Seconds since `form_stamp` made `stamp`; None for a forged or too old one."""
    try:
        made = float(signing.loads(stamp, salt=STAMP_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    age = now.timestamp() - made
    return max(0.0, age) if age <= STAMP_MAX_AGE else None


def _clean_line(value: str, field: str, limit: int, label: str) -> str:
    text = unicodedata.normalize("NFC", value or "").strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise ValidationError({field: f"The {label} contains control characters."})
    if len(text) > limit:
        raise ValidationError({field: f"The {label} is longer than {limit} characters."})
    return text


def check_visitor_suggestion(url: str, name: str, note: str) -> tuple[str, str, str]:
    """The cleaned address, name and note, or a ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for field, check in (
        ("url", lambda: _address(url)),
        ("name", lambda: _clean_line(name, "name", MAX_NAME, "name").replace("\n", " ")),
        ("note", lambda: _clean_line(note, "note", MAX_NOTE, "note")),
    ):
        try:
            cleaned[field] = check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned["url"], cleaned["name"], cleaned["note"]


def _address(raw: str) -> str:
    url = check_http_url(raw)
    host = urlsplit(url).hostname or ""
    try:
        reason = is_forbidden_address(host)
    except ValueError:  # a name, not an address: vetted when the page is read
        reason = None
    if reason:
        raise ValidationError({"url": f"This address cannot be read from here ({reason})."})
    return url


def check_allowed(topic: Topic, client: str, now: datetime) -> None:
    """Refuse a visitor over their limit, or a topic over its day's share (the reason says
    which); counts the visitor's attempt."""
    if not throttle.hit("suggest", client, PER_ADDRESS, PER_ADDRESS_WINDOW):
        raise ValidationError("You sent many suggestions in a short time; try again in an hour.")
    recent = Suggestion.objects.filter(topic=topic, from_visitor=True,
                                       created_at__gte=now - timedelta(days=1))  # fmt: skip
    if recent.count() >= PER_TOPIC_DAY:
        raise ValidationError("This topic takes no more suggestions today; try again tomorrow.")


def judge_suggestion(topic: Topic, suggestion: Suggestion, client: str = "") -> Case:
    """Moderation's verdict on a visitor's suggestion: what they wrote and the address, known
    by their name (else their client address). A suggestion whose case is not visible (held,
    blocked, rejected, spam) is not among the curator's suggestions until it is approved."""
    identity = suggestion.visitor_name or client or "anonymous visitor"
    body = "\n".join(part for part in (suggestion.visitor_note, suggestion.url) if part)
    return judge(
        topic.workspace, Subject.SUGGESTION, str(suggestion.pk),
        Text(body, author_name=suggestion.visitor_name, links=(suggestion.url,)),
        author_key=author_key_for(topic.workspace, identity),
        address_key=address_key_for(client),
    )  # fmt: skip


def do_visitor_suggest(topic: Topic, url: str, name: str, note: str,
                       now: datetime, client: str = "") -> Suggested:  # fmt: skip
    """Store a visitor's (checked) suggestion for the curator, judged by moderation
    (`judge_suggestion`), and queue the reading of its page."""
    from outlier.sources.tasks import preview_suggestion

    if find_duplicate(topic, url) is not None:
        return Suggested(Outcome.ON_TOPIC, None)
    key = url_key(url)
    known = Suggestion.objects.filter(topic=topic, story_key=key).first()
    if known is not None:
        _seen_again(known)
        return Suggested(Outcome.ALREADY_SUGGESTED, known)
    relevance, _ = learn.relevance(learn.model_of(topic.pk), "", note)
    try:
        with transaction.atomic():
            made = Suggestion.objects.create(
                topic=topic, story_key=key, url=url, state=SuggestionState.NEW,
                relevance=relevance, score=learn.score(relevance, now),
                reasons={"visitors": 1}, from_visitor=True,
                visitor_name=name, visitor_note=note,
            )  # fmt: skip
            judge_suggestion(topic, made, client)  # the suggestion is never without its case
            preview_suggestion.enqueue(made.pk)  # commits with the suggestion
    except IntegrityError:  # the same story at the same moment
        known = Suggestion.objects.filter(topic=topic, story_key=key).first()
        return Suggested(Outcome.ALREADY_SUGGESTED, known)
    return Suggested(Outcome.NEW, made)


def _seen_again(suggestion: Suggestion) -> None:
    """Another visitor suggested a story the topic already has among its suggestions."""
    if suggestion.state != SuggestionState.NEW:
        return
    reasons = dict(suggestion.reasons or {})
    reasons["visitors"] = int(reasons.get("visitors") or 0) + 1
    Suggestion.objects.filter(pk=suggestion.pk).update(reasons=reasons, copies=F("copies") + 1)
