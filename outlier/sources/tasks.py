"""Background entry points of sources. Each takes ids and is safe to run twice."""

from __future__ import annotations

import logging

from django.db.models import Q
from django_tasks import task

from outlier.core import safe_http
from outlier.curation.extract import ExtractionError
from outlier.curation.models import Scoop
from outlier.curation.tasks import read_article
from outlier.curation.urlkeys import url_key
from outlier.sources import learn, similar
from outlier.sources.models import Suggestion, SuggestionState

logger = logging.getLogger(__name__)

MAX_TEXT = 20_000


@task()
def preview_suggestion(suggestion_id: int) -> str:
    """Read a visitor's suggested page through the safe client: its title, excerpt and date
    for the curator and the ranking; why not, when it cannot be read. A page whose canonical
    address the topic already scooped is dismissed as already there."""
    suggestion = Suggestion.objects.filter(pk=suggestion_id, state=SuggestionState.NEW,
                                           from_visitor=True, title="").first()  # fmt: skip
    if suggestion is None:
        return "skipped"
    try:
        article = read_article(suggestion.url)
    except (safe_http.FetchError, ExtractionError) as exc:
        return _unread(suggestion, str(exc))
    except Exception:
        logger.exception("Reading suggestion %s failed", suggestion_id)
        return _unread(suggestion, "The page could not be read (an internal error was logged).")
    canonical = url_key(article.canonical_url) if article.canonical_url else ""
    if canonical and Scoop.objects.filter(topic_id=suggestion.topic_id).filter(
            Q(url_key=canonical) | Q(canonical_key=canonical)).exists():  # fmt: skip
        Suggestion.objects.filter(pk=suggestion.pk, state=SuggestionState.NEW).update(
            state=SuggestionState.DISMISSED, reasons={**suggestion.reasons, "on_topic": True})  # fmt: skip
        return "on topic"
    title, text = article.title[:500], article.excerpt[:MAX_TEXT]
    relevance, terms = learn.relevance(learn.model_of(suggestion.topic_id), title, text)
    when = article.published_at or suggestion.created_at
    Suggestion.objects.filter(pk=suggestion.pk, state=SuggestionState.NEW).update(
        title=title or suggestion.url[:500], text=text, published_at=article.published_at,
        relevance=relevance, score=learn.score(relevance, min(when, suggestion.created_at)),
        signature=similar.signature(title, text).to_bytes(),
        reasons={**suggestion.reasons, "terms": terms},
    )  # fmt: skip
    return "read"


def _unread(suggestion: Suggestion, reason: str) -> str:
    Suggestion.objects.filter(pk=suggestion.pk, state=SuggestionState.NEW).update(
        title=suggestion.url[:500], reasons={**suggestion.reasons, "unread": reason})  # fmt: skip
    return "failed"
