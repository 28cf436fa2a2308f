"""Clicks are buffered and written in batches: nothing is lost when the database refuses a
batch for a while, a batch is written as soon as it is full, and stopping writes the rest."""

from __future__ import annotations

import time

import pytest
from django.db import DatabaseError

from outlier.links import clicks
from outlier.links.clicks import ClickBuffer
from outlier.links.models import Click

from .conftest import FIREFOX, make_link


def raw(link_id: int, n: int) -> clicks.Raw:
    return (link_id, time.time(), f"click-{n}", "https://ref.example/", FIREFOX, "203.0.113.7")


@pytest.mark.django_db
def test_the_redirect_only_appends_and_a_flush_writes_all(workspace):
    link = make_link(workspace)
    buffer = ClickBuffer()
    for n in range(2500):
        buffer.add(raw(link.pk, n))
    assert buffer.pending() == 2500 and Click.objects.count() == 0
    assert buffer.flush() == 2500
    assert Click.objects.count() == 2500 and buffer.pending() == 0


@pytest.mark.django_db
def test_a_refused_batch_is_kept_and_written_later(workspace, monkeypatch):
    link = make_link(workspace)
    buffer = ClickBuffer()
    for n in range(10):
        buffer.add(raw(link.pk, n))
    real_write = clicks._Table.write

    def down(self, rows):
        raise DatabaseError("the database is down")

    monkeypatch.setattr(clicks._Table, "write", down)
    assert buffer.flush() == 0
    buffer.add(raw(link.pk, 10))
    assert buffer.pending() == 11
    monkeypatch.setattr(clicks._Table, "write", real_write)
    assert buffer.flush() == 11
    assert Click.objects.count() == 11 and buffer.dropped == 0


@pytest.mark.django_db(transaction=True)  # foreign keys are checked when a write commits
def test_clicks_of_a_deleted_link_are_dropped_not_the_batch():
    from outlier.core.models import Workspace

    workspace = Workspace.objects.create(name="W", slug="w")
    kept, gone = make_link(workspace), make_link(workspace)
    buffer = ClickBuffer()
    buffer.add(raw(kept.pk, 1))
    buffer.add(raw(gone.pk, 2))
    gone.delete()
    assert buffer.flush() == 1
    assert list(Click.objects.values_list("click_id", flat=True)) == ["click-1"]


@pytest.mark.django_db(transaction=True)
def test_the_writer_thread_writes_a_full_batch_at_once_and_the_rest_on_stop(settings):
    from outlier.core.models import Workspace

    settings.CLICK_FLUSH_MS = 60_000  # only a full batch or the stop writes
    settings.CLICK_BATCH = 100
    link = make_link(Workspace.objects.create(name="W", slug="w"))
    buffer = ClickBuffer()
    for n in range(150):
        buffer.add(raw(link.pk, n))
    deadline = time.monotonic() + 10
    while Click.objects.count() < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Click.objects.count() >= 100  # the full batch, long before a minute
    buffer.stop()
    assert Click.objects.count() == 150
    assert buffer.written == 150 and buffer.pending() == 0
