"""What a curator does with a suggestion: scoop it, dismiss it, or ask for more like it.

Scooping goes through curation's own `do_create_scoop` (the safe fetch and the extraction, the
insight the curator adds, the duplicate check), so a suggested article becomes a scoop like
one saved by hand. Every decision is a lesson for the topic's ranking (`learn`): a scoop and
"more like this" are positive, a dismissal negative. A decision is final for the suggestion:
deciding again is refused with the reason. Contributors and above decide.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from outlier.core.models import Membership, Role
from outlier.curation.actions import do_create_scoop
from outlier.curation.models import Scoop
from outlier.moderation.models import Subject
from outlier.moderation.queries import cases_for
from outlier.sources import learn
from outlier.sources.models import Suggestion, SuggestionState

__all__ = ["DECIDE_ROLE", "access_suggestion", "do_dismiss", "do_more_like_this", "do_scoop"]

DECIDE_ROLE = Role.CONTRIBUTOR


def access_suggestion(member: Membership, suggestion_id: int,
                      role: str = Role.VIEWER) -> Suggestion:  # fmt: skip
    if not member.allows(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role or higher.")
    found = Suggestion.objects.select_related("topic").filter(
        pk=suggestion_id, topic__workspace=member.workspace).first()  # fmt: skip
    if found is None or (found.from_visitor and _held_back(member, found)):
        raise Http404("No such suggestion in this workspace.")
    return found


def _held_back(member: Membership, suggestion: Suggestion) -> bool:
    """A visitor's suggestion moderation has not let through (held, blocked, rejected, spam):
    the curator can neither see nor decide on it until it is approved."""
    case = cases_for(member.workspace, Subject.SUGGESTION, [str(suggestion.pk)]).get(
        str(suggestion.pk))  # fmt: skip
    return case is not None and not case.visible


def _open(member: Membership, suggestion: Suggestion) -> None:
    if not member.allows(DECIDE_ROLE):
        raise PermissionDenied("Viewers cannot decide on suggestions.")
    if suggestion.state != SuggestionState.NEW:
        state = suggestion.get_state_display().lower()
        raise ValidationError(f"This suggestion was already {state}.")


def _decided(member: Membership, suggestion: Suggestion, state: str,
             scoop: Scoop | None = None) -> bool:  # fmt: skip
    """Record the decision once (a concurrent one wins; this one is then refused)."""
    changed = Suggestion.objects.filter(pk=suggestion.pk, state=SuggestionState.NEW).update(
        state=state, decided_at=timezone.now(), decided_by=member.user, scoop=scoop)  # fmt: skip
    suggestion.refresh_from_db()
    return bool(changed)


def do_scoop(member: Membership, suggestion: Suggestion, insight: str = "",
             tags: str | Iterable[str] = "", publish: bool = True) -> Scoop:  # fmt: skip
    """Scoop the suggested article into its topic (fetched and extracted as any scoop)."""
    _open(member, suggestion)
    with transaction.atomic():
        scoop, _ = do_create_scoop(member, suggestion.topic, suggestion.url, insight=insight,
                                   tags=tags, publish=publish)  # fmt: skip
        if not _decided(member, suggestion, SuggestionState.SCOOPED, scoop):
            raise ValidationError("Someone decided on this suggestion at the same moment.")
    learn.do_learn(suggestion, positive=True)
    return scoop


def do_dismiss(member: Membership, suggestion: Suggestion) -> None:
    _open(member, suggestion)
    if not _decided(member, suggestion, SuggestionState.DISMISSED):
        raise ValidationError("Someone decided on this suggestion at the same moment.")
    learn.do_learn(suggestion, positive=False)


def do_more_like_this(member: Membership, suggestion: Suggestion) -> int:
    """Teach the topic that this is what it wants, without deciding on it; the topic's open
    suggestions are scored again. Returns how many were rescored."""
    if not member.allows(DECIDE_ROLE):
        raise PermissionDenied("Viewers cannot teach the ranking.")
    learn.do_learn(suggestion, positive=True)
    return learn.do_rescore(suggestion.topic_id)
