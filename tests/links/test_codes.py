"""Codes are short, random base62, not in sequence; a collision draws again."""

from __future__ import annotations

import pytest

from outlier.links import codes
from outlier.links.models import TrackedLink

from .conftest import make_link


def test_codes_are_seven_base62_characters_and_not_sequential():
    drawn = [codes.new_code() for _ in range(2000)]
    assert all(len(c) == 7 and codes.looks_like_code(c) for c in drawn)
    assert len(set(drawn)) == len(drawn)
    assert len({c[0] for c in drawn}) > 40  # the first character varies: no counter


@pytest.mark.django_db
def test_a_collision_draws_again(workspace, monkeypatch):
    first = make_link(workspace)
    draws = iter([first.code, first.code, "Fresh12"])
    monkeypatch.setattr(codes, "new_code", lambda: next(draws))
    second = make_link(workspace, "https://shop.example/other")
    assert second.code == "Fresh12"
    assert TrackedLink.objects.count() == 2
