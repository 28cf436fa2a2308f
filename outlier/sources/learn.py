"""A topic's ranking learning from its curator: each scoop and "more like this" is a positive
example, each dismissal a negative one, for the topic's `ranker.Ranker`, kept in its
`TopicModel` row (the model's own weights as JSON, never a pickled object).

Before any decision the topic's keywords (those of its keyword sources) give the relevance.
`score` stores relevance × freshness time-invariantly: the log of the relevance plus the
half-lives since an epoch of the story's time, which sorts exactly as relevance ×
0.5 ** (age / half-life) does at any moment, so a list sorted by it needs no rescoring as time
passes; `do_rescore` scores the topic's open suggestions again after a lesson.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from outlier.sources.models import Source, SourceKind, Suggestion, SuggestionState, TopicModel
from outlier.sources.ranker import HALF_LIFE_HOURS, Candidate, Ranker

__all__ = ["RESCORE_LIMIT", "do_learn", "do_rescore", "model_of", "relevance", "score"]

RESCORE_LIMIT = 2000  # open suggestions scored again after a lesson, newest first
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def score(relevance: float, when: datetime) -> float:
    hours = (when - EPOCH).total_seconds() / 3600
    return math.log(max(relevance, 1e-6)) + math.log(2) * hours / HALF_LIFE_HOURS


def _keywords(topic_id: int) -> list[str]:
    lists = Source.objects.filter(topic_id=topic_id, kind=SourceKind.KEYWORDS,
                                  active=True).values_list("keywords", flat=True)  # fmt: skip
    return list(dict.fromkeys(k for keywords in lists for k in keywords))


def model_of(topic_id: int) -> Ranker:
    row = TopicModel.objects.filter(topic_id=topic_id).first()
    model = Ranker.from_state(row.state) if row and row.state else Ranker()
    model.keywords = _keywords(topic_id)
    return model


def relevance(model: Ranker, title: str, text: str) -> tuple[float, list[str]]:
    """How relevant an item is to the topic (0–1), and the words that weighed most."""
    item = Candidate(title=title, text=text)
    return model.relevance(item), model.top_terms(item) if model.positives else []


def do_learn(suggestion: Suggestion, positive: bool) -> None:
    """Teach the suggestion's topic one example."""
    with transaction.atomic():
        row, _ = TopicModel.objects.select_for_update().get_or_create(topic_id=suggestion.topic_id)
        model = Ranker.from_state(row.state) if row.state else Ranker()
        model.learn(Candidate(title=suggestion.title, text=suggestion.text), positive)
        row.state = model.to_state()
        row.positives, row.negatives = model.positives, int(model.negatives)
        row.trained_at = timezone.now()
        row.save()


def do_rescore(topic_id: int) -> int:
    """Score the topic's open suggestions again with what it knows now; how many."""
    model = model_of(topic_id)
    rows = list(Suggestion.objects.filter(topic_id=topic_id, state=SuggestionState.NEW)
                .order_by("-created_at")[:RESCORE_LIMIT])  # fmt: skip
    for row in rows:
        row.relevance, terms = relevance(model, row.title, row.text)
        row.score = score(row.relevance, row.published_at or row.created_at)
        row.reasons = {**(row.reasons or {}), "terms": terms}
    Suggestion.objects.bulk_update(rows, ["relevance", "score", "reasons"], batch_size=500)
    return len(rows)
