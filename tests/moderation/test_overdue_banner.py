"""Texts waiting more than 4 hours are marked in the queue, and a banner says how many and how
long the oldest waited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone

from .conftest import held, queue_url


def test_overdue_texts_are_marked_and_counted_in_a_banner(team: Any, holding: Any) -> None:
    now = timezone.now()
    oldest = held(team.workspace, "Oldest", now=now - timedelta(hours=6, minutes=30))
    late = held(team.workspace, "Late", now=now - timedelta(hours=4, minutes=5))
    fresh = held(team.workspace, "Fresh", now=now - timedelta(hours=3))
    html = team.client(team.viewer).get(queue_url(team)).content.decode()
    banner = re.search(r"<p [^>]*data-overdue-banner>(.*?)</p>", html, re.S)
    assert banner is not None
    assert banner.group(1) == ("2 texts waited more than 4 hours; the oldest has waited "
                               "6 h 30 min.")  # fmt: skip
    marked = re.findall(r'<li class="mod-case case-held( overdue)?" data-case="(\d+)"', html)
    assert [(bool(flag), int(pk)) for flag, pk in marked] == [
        (True, oldest.pk), (True, late.pk), (False, fresh.pk)]  # fmt: skip


def test_no_banner_when_nothing_is_overdue(team: Any, holding: Any) -> None:
    held(team.workspace, "Fresh", now=timezone.now() - timedelta(hours=3, minutes=59))
    html = team.client(team.viewer).get(queue_url(team)).content.decode()
    assert "data-overdue-banner" not in html and "data-overdue" not in html
