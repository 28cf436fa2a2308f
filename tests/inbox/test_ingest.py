"""Bulk ingest: what a pull stores, once per network id, with every column as the model says,
across batches and beside a row a concurrent pull stored first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from outlier.inbox import ingest
from outlier.inbox.models import Interaction
from outlier.networks.base import Interaction as Seen
from outlier.networks.base import InteractionKind
from tests.inbox.conftest import arrive


def seen(n: int, kind: InteractionKind = InteractionKind.REPLY, **values: object) -> Seen:
    return Seen(kind=kind, remote_id=f"https://social.example/statuses/{n}",
                author_id="https://social.example/users/ana", author_handle="@ana@social.example",
                created_at=datetime(2026, 12, 1, 9, 30, 15, tzinfo=UTC) + timedelta(seconds=n),
                text=f"Question {n} ünïcode", **values)  # type: ignore[arg-type]  # fmt: skip


def test_every_column_is_stored_as_the_model_would(team, toot):
    before = timezone.now()
    new = ingest.do_record_interactions(toot, [
        seen(1, author_name="Ana", author_followers=12, language="de", reply_ref="r1",
             thread_root="https://social.example/statuses/0", author_avatar="https://a/1.png"),
        seen(2, kind=InteractionKind.LIKE, subject_id="our-post"),
    ])  # fmt: skip
    assert new == 2
    reply = Interaction.objects.get(remote_id="https://social.example/statuses/1")
    assert (reply.workspace_id, reply.kind, reply.author_name, reply.author_followers) == (
        team.workspace.pk, "reply", "Ana", 12)  # fmt: skip
    assert (reply.language, reply.reply_ref, reply.author_avatar) == ("de", "r1", "https://a/1.png")
    assert reply.conversation == "t:https://social.example/statuses/0"
    assert reply.created_at == datetime(2026, 12, 1, 9, 30, 16, tzinfo=UTC)
    assert reply.received_at >= before and reply.text == "Question 1 ünïcode"
    assert (reply.is_work, reply.state, reply.priority, reply.hidden) == (True, "open", 0, False)
    assert reply.assignee is None and reply.read_at is None and reply.delivery is None
    like = Interaction.objects.get(remote_id="https://social.example/statuses/2")
    assert not like.is_work and like.subject_id == "our-post" and like.author_followers is None


def test_once_per_id_across_batches_and_beside_a_row_stored_meanwhile(team, toot, monkeypatch):
    monkeypatch.setattr(ingest, "BATCH", 7)
    first = arrive(toot, remote_id="https://social.example/statuses/3")
    items = [seen(n) for n in range(30)] + [seen(5), seen(29)]
    assert ingest.do_record_interactions(toot, items) == 29  # 3 was stored already
    assert Interaction.objects.filter(channel=toot).count() == 30
    assert Interaction.objects.get(remote_id=first.remote_id).pk == first.pk
    # A concurrent pull storing the same id between the lookup and the INSERT: skipped.
    row = ingest.row_for(toot, seen(99), {})
    ingest.insert_ignoring_known([row])
    ingest.insert_ignoring_known([row])
    assert Interaction.objects.filter(remote_id=row["remote_id"]).count() == 1
    assert ingest.do_record_interactions(toot, items) == 0


def test_the_columns_and_defaults_follow_the_model():
    fields = [f for f in Interaction._meta.concrete_fields if not f.primary_key]
    assert list(ingest.DEFAULTS) == [f.attname for f in fields]
    assert not [f.name for f in fields if f.has_default() and callable(f.default)]
    blank = Interaction()
    for name, default in ingest.DEFAULTS.items():
        if name not in ingest.DATETIMES:
            assert getattr(blank, name) == default, name
