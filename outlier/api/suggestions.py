"""A topic's suggestions in the REST API: the ranked list with why each is there, one
suggestion, and the curator's decisions: scoop (with an insight), dismiss, "more like this".

Any member reads; contributors and above (with a write token) decide, through
`outlier.sources.decide` as the screens do. A decision is final: deciding on a suggestion that
was already scooped or dismissed is a 400 with the reason. Suggestions of another workspace, or
of another topic than the one in the path, answer 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from outlier.api.auth import membership
from outlier.api.curation import ScoopOut, scoop_out
from outlier.curation.actions import access_topic
from outlier.sources import decide
from outlier.sources import suggestion_queries as queries
from outlier.sources.models import Suggestion
from outlier.sources.suggestion_queries import Shown

router = Router(tags=["suggestions"])

MAX_PAGE = 100


class WhyOut(Schema):
    sources: list[str]  # the names of the sources that carried the story
    keywords: list[str]  # the topic's keywords it matches
    terms: list[str]  # the words it shares with the topic's scoops
    also: list[str]  # other addresses of the same story
    visitor: bool  # a visitor suggested it on the public page
    visitors: int  # how many visitors suggested it
    unread: str  # why a visitor's suggested page could not be read ("" when it was)


class SuggestionOut(Schema):
    id: int
    topic: str  # the topic's slug
    url: str
    title: str
    text: str
    published_at: datetime | None
    created_at: datetime
    state: Literal["new", "scooped", "dismissed"]
    score: float  # the order of the list: relevance and freshness
    relevance: float  # 0–1: what the topic's scoops and dismissals taught it
    copies: int  # how many sources (or visitors) carried the story
    why: WhyOut
    visitor_name: str
    visitor_note: str
    decided_at: datetime | None
    scoop: int | None  # the scoop it became


class ListIn(Schema):
    state: Literal["new", "scooped", "dismissed"] = "new"
    limit: int = Field(30, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0)


class ScoopIn(Schema):
    insight: str = Field("", max_length=5000, description="The curator's insight, Markdown")
    tags: list[str] = Field(default_factory=list, max_length=20)
    publish: bool = Field(True, description="Publish it on the topic once it is read")


class RescoredOut(Schema):
    rescored: int  # open suggestions of the topic scored again


def suggestion_out(shown: Shown) -> dict[str, Any]:
    s = shown.suggestion
    reasons = s.reasons or {}
    return {
        "id": s.pk, "topic": s.topic.slug, "url": s.url, "title": s.title, "text": s.text,
        "published_at": s.published_at, "created_at": s.created_at, "state": s.state,
        "score": s.score, "relevance": s.relevance, "copies": s.copies,
        "why": {"sources": shown.sources, "keywords": shown.keywords, "terms": shown.terms,
                "also": list(reasons.get("also") or []), "visitor": s.from_visitor,
                "visitors": int(reasons.get("visitors") or 0),
                "unread": str(reasons.get("unread") or "")},
        "visitor_name": s.visitor_name, "visitor_note": s.visitor_note,
        "decided_at": s.decided_at, "scoop": s.scoop_id,
    }  # fmt: skip


def _one(request: HttpRequest, slug: str, suggestion_id: int, write: bool = False) -> Suggestion:
    member = membership(request, write=write)
    topic = access_topic(member, slug)
    found = decide.access_suggestion(member, suggestion_id)
    if found.topic_id != topic.pk:
        raise Http404("No such suggestion in this topic.")
    return found


@router.get("/topics/{slug}/suggestions", response=list[SuggestionOut],
            summary="List a topic's suggestions",
            description="New ones best first (relevance learnt from the curator's decisions, and "
                        "freshness); scooped and dismissed ones by the time of the decision. "
                        "Each says why it is there.")  # fmt: skip
def list_suggestions(request: HttpRequest, slug: str,
                     params: Query[ListIn]) -> list[dict[str, Any]]:  # fmt: skip
    topic = access_topic(membership(request), slug)
    rows = queries.suggestions(topic, params.state, params.limit, params.offset)
    return [suggestion_out(row) for row in rows]


@router.get("/topics/{slug}/suggestions/{int:suggestion_id}", response=SuggestionOut,
            summary="Read a suggestion")  # fmt: skip
def read_suggestion(request: HttpRequest, slug: str, suggestion_id: int) -> dict[str, Any]:
    return suggestion_out(queries.one(_one(request, slug, suggestion_id)))


@router.post("/topics/{slug}/suggestions/{int:suggestion_id}/scoop", response={201: ScoopOut},
             summary="Scoop a suggestion (contributors)",
             description="The article is fetched and extracted as any scoop, with the insight; "
                         "the topic's ranking learns from it. An article already on the topic "
                         "gives back that scoop.")  # fmt: skip
def scoop_suggestion(request: HttpRequest, slug: str, suggestion_id: int,
                     payload: ScoopIn) -> Status[dict[str, object]]:  # fmt: skip
    member = membership(request, write=True)
    suggestion = _one(request, slug, suggestion_id, write=True)
    scoop = decide.do_scoop(member, suggestion, insight=payload.insight,
                            tags=payload.tags, publish=payload.publish)  # fmt: skip
    return Status(201, scoop_out(scoop))


@router.post("/topics/{slug}/suggestions/{int:suggestion_id}/dismiss", response=SuggestionOut,
             summary="Dismiss a suggestion (contributors)",
             description="The topic's ranking learns to suggest less like it.")  # fmt: skip
def dismiss_suggestion(request: HttpRequest, slug: str, suggestion_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    suggestion = _one(request, slug, suggestion_id, write=True)
    decide.do_dismiss(member, suggestion)
    return suggestion_out(queries.one(suggestion))


@router.post("/topics/{slug}/suggestions/{int:suggestion_id}/more", response=RescoredOut,
             summary='"More like this" (contributors)',
             description="Teaches the topic's ranking that this is what it wants, without "
                         "deciding on the suggestion; the open suggestions are scored again.")  # fmt: skip
def more_like_this(request: HttpRequest, slug: str, suggestion_id: int) -> dict[str, int]:
    member = membership(request, write=True)
    suggestion = _one(request, slug, suggestion_id, write=True)
    return {"rescored": decide.do_more_like_this(member, suggestion)}
