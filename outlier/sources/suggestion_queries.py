"""The reads the sources' screens and the API share."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from outlier.curation.models import Topic
from outlier.sources.models import Source, Suggestion, SuggestionState

STATES = ("new", "scooped", "dismissed")


@dataclass(frozen=True)
class Shown:
    """A suggestion as a screen shows it: with the names of the sources that carried it."""

    suggestion: Suggestion
    sources: list[str]
    keywords: list[str]
    terms: list[str]


def suggestions(topic: Topic, state: str = "new", limit: int = 30, offset: int = 0) -> list[Shown]:
    """The topic's suggestions in a state, best first (new ones by score, decided ones by the
    time of the decision)."""
    rows = Suggestion.objects.filter(topic=topic, state=state).select_related("topic")
    rows = rows.order_by("-score", "-pk") if state == SuggestionState.NEW else rows.order_by(
        "-decided_at", "-pk")  # fmt: skip
    return _shown(list(rows[offset : offset + limit]))


def one(suggestion: Suggestion) -> Shown:
    return _shown([suggestion])[0]


def _shown(page: list[Suggestion]) -> list[Shown]:
    ids = {pk for s in page for pk in (s.reasons or {}).get("sources", [])}
    names = {s.pk: str(s) for s in Source.objects.filter(pk__in=ids).select_related("feed")}
    return [Shown(s, [names[pk] for pk in (s.reasons or {}).get("sources", []) if pk in names],
                  list((s.reasons or {}).get("keywords", [])),
                  list((s.reasons or {}).get("terms", []))) for s in page]  # fmt: skip


def counts(topic: Topic) -> dict[str, int]:
    found = dict(Suggestion.objects.filter(topic=topic).values_list("state").annotate(n=Count("pk"))
                 .values_list("state", "n"))  # fmt: skip
    return {state: found.get(state, 0) for state in STATES}
