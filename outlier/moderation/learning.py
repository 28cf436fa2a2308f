"""Each workspace's spam model: its seed, how it is read for judging, and how it learns.

The seed is `SpamModel` trained on the train split of the labelled fixture shipped in this
package (fixtures/comments.jsonl), in file order; the test split is never learnt, so it still
measures the model honestly. A workspace without a `SpamState` row judges with the seed; its
row is made (from the seed) when it first learns.

The rule that keeps learning exact: a workspace's model is always the seed followed by its
*standing decisions* (`standing_decisions`: cases a moderator decided that are now approved,
spam, or blocked with their author) in (decided_at, id) order. A decision on cases that stood
on no decision before appends to that sequence, so it is learnt in place (`learn`); anything
else (a case decided again, an undo) rebuilds the model from the seed (`rebuild`), which
gives, to the bit, the model the same sequence learnt one by one would have. `decided_at` is
stamped after the SpamState row is locked, so the order decisions are learnt in is their
decided_at order.

Judging reads the model through a small in-process cache keyed by (workspace id,
updated_at): a cache hit costs one small query (the row's updated_at, not its blob), and a
model changed by any process has a new updated_at, so no process judges with a stale one.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from outlier.moderation.models import Case, CaseState, SpamState
from outlier.moderation.spam import SpamModel, Text

log = logging.getLogger(__name__)

FIXTURE = resources.files("outlier.moderation") / "fixtures" / "comments.jsonl"
CACHE_SIZE = 16  # decoded models kept per process, one per workspace at most
# Case states a moderator's decision teaches: approved is not spam; spam and blocked are.
LEARNED_STATES = {CaseState.APPROVED: False, CaseState.SPAM: True, CaseState.BLOCKED: True}

_cache: OrderedDict[tuple[int, datetime], SpamModel] = OrderedDict()
_cache_lock = threading.Lock()


def fixture_rows(split: str | None = None) -> list[dict[str, Any]]:
    """The labelled fixture's rows (id, body, author_name, author_url, spam, split)."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [row for row in rows if split is None or row["split"] == split]


def fixture_text(row: dict[str, Any]) -> Text:
    return Text(row["body"], author_name=row["author_name"], author_url=row["author_url"])


@cache
def seed_bytes() -> bytes:
    """A new workspace's model: trained on the fixture's train split, in file order."""
    model = SpamModel()
    for row in fixture_rows("train"):
        model.learn(fixture_text(row), bool(row["spam"]))
    return model.to_bytes()


@cache
def _seed_model() -> SpamModel:
    return SpamModel.from_bytes(seed_bytes())  # shared read-only: judging only scores


def teaches(case: Case) -> bool | None:
    """What `case` teaches the model as it stands: True spam, False not spam, None nothing."""
    if case.decided_at is None:
        return None
    return LEARNED_STATES.get(CaseState(case.state))


def _teach(model: SpamModel, text: Text, is_spam: bool) -> None:
    model.learn(text, is_spam)
    # What to_bytes does before each save, done after every decision instead: learning a
    # sequence in one go then gives the same weights as learning it across many saves.
    model._prune()


def model_for(workspace_id: int) -> SpamModel:
    """The workspace's model for scoring (shared by the process's threads: do not teach it)."""
    stamp = SpamState.objects.filter(workspace_id=workspace_id).values_list("updated_at", flat=True)
    updated_at = stamp.first()
    if updated_at is None:
        return _seed_model()
    key = (workspace_id, updated_at)
    with _cache_lock:
        model = _cache.get(key)
        if model is not None:
            _cache.move_to_end(key)
            return model
    row = (
        SpamState.objects.filter(workspace_id=workspace_id)
        .values_list("updated_at", "data")
        .first()
    )
    if row is None:
        return _seed_model()
    updated_at, data = row
    try:
        model = SpamModel.from_bytes(bytes(data))
    except ValueError:
        log.exception("workspace %s: unreadable spam model; judging with the seed", workspace_id)
        return _seed_model()
    with _cache_lock:
        for stale in [old for old in _cache if old[0] == workspace_id]:
            del _cache[stale]
        _cache[(workspace_id, updated_at)] = model
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return model


def locked_state(workspace_id: int) -> SpamState:
    """The workspace's SpamState row, locked until the transaction ends (made from the seed
    the first time). Call inside `transaction.atomic()`."""
    SpamState.objects.get_or_create(workspace_id=workspace_id, defaults={"data": seed_bytes()})
    return SpamState.objects.select_for_update().get(workspace_id=workspace_id)


def _save(state: SpamState, model: SpamModel, learned: int) -> None:
    now = timezone.now()
    if now <= state.updated_at:  # a new updated_at for every change: the cache's key
        now = state.updated_at + timedelta(microseconds=1)
    state.data = model.to_bytes()
    state.learned = learned
    state.updated_at = now
    state.save(update_fields=["data", "learned", "updated_at"])


def learn(state: SpamState, decisions: Iterable[tuple[Text, bool]]) -> None:
    """Teach the locked `state`'s model these decisions (text, is spam), in order."""
    items = list(decisions)
    if not items:
        return
    model = SpamModel.from_bytes(bytes(state.data))
    for text, is_spam in items:
        _teach(model, text, is_spam)
    _save(state, model, state.learned + len(items))


def standing_decisions(workspace_id: int) -> QuerySet[Case]:
    """The cases the workspace's model has learnt, in the order it learnt them."""
    return (
        Case.objects.filter(
            workspace_id=workspace_id, decided_at__isnull=False, state__in=list(LEARNED_STATES)
        )
        .only("body", "author_name", "author_url", "links", "state", "decided_at")
        .order_by("decided_at", "pk")
    )


def rebuild(state: SpamState) -> None:
    """The locked `state`'s model made again: the seed, then every standing decision."""
    model = SpamModel.from_bytes(seed_bytes())
    learned = 0
    for case in standing_decisions(state.workspace_id).iterator(chunk_size=500):
        _teach(model, case.text, LEARNED_STATES[CaseState(case.state)])
        learned += 1
    _save(state, model, learned)
