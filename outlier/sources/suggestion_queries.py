"""The reads the sources' screens and the API share."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CharField, Count, OuterRef, QuerySet
from django.db.models.functions import Cast

from outlier.curation.models import Topic
from outlier.moderation import queries as moderation
from outlier.moderation.models import Subject
from outlier.sources.models import Source, Suggestion, SuggestionState

STATES = ("new", "scooped", "dismissed")


@dataclass(frozen=True)
class Shown:
    """A suggestion as a screen shows it: with the names of the sources that carried it."""

    suggestion: Suggestion
    sources: list[str]
    keywords: list[str]
    terms: list[str]
    via: list[str]  # the networks' accounts and searches that found it, less the sources named


def shown_to_curator(topic: Topic) -> QuerySet[Suggestion]:
    """The topic's suggestions the curator sees: all but the visitors' ones moderation has not
    let through (held until approved; blocked, rejected or spam never), told in SQL."""
    hidden = moderation.hidden(topic.workspace_id, Subject.SUGGESTION,
                               Cast(OuterRef("pk"), CharField()))  # fmt: skip
    return Suggestion.objects.filter(topic=topic).filter(~hidden)


def suggestions(topic: Topic, state: str = "new", limit: int = 30, offset: int = 0) -> list[Shown]:
    """The topic's suggestions in a state, best first (new ones by score, decided ones by the
    time of the decision)."""
    rows = shown_to_curator(topic).filter(state=state).select_related("topic")
    rows = rows.order_by("-score", "-pk") if state == SuggestionState.NEW else rows.order_by(
        "-decided_at", "-pk")  # fmt: skip
    return _shown(list(rows[offset : offset + limit]))


def one(suggestion: Suggestion) -> Shown:
    return _shown([suggestion])[0]


def _shown(page: list[Suggestion]) -> list[Shown]:
    ids = {pk for s in page for pk in (s.reasons or {}).get("sources", [])}
    names = {s.pk: str(s) for s in Source.objects.filter(pk__in=ids).select_related("feed")}
    shown = []
    for s in page:
        reasons = s.reasons or {}
        sources = [names[pk] for pk in reasons.get("sources", []) if pk in names]
        via = [v for v in reasons.get("via", []) if v not in sources]  # "@ann on Bluesky" once
        shown.append(Shown(s, sources, list(reasons.get("keywords", [])),
                           list(reasons.get("terms", [])), via))  # fmt: skip
    return shown


def counts(topic: Topic) -> dict[str, int]:
    found = dict(shown_to_curator(topic).values_list("state").annotate(n=Count("pk"))
                 .values_list("state", "n"))  # fmt: skip
    return {state: found.get(state, 0) for state in STATES}
