"""Codes are short, random base62, not in sequence; a collision draws again. Click ids are
unique, start with the time and are not guessable, in every process."""

from __future__ import annotations

import os
import re

import pytest

from outlier.links import codes
from outlier.links.codes import ClickIds
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


def test_click_ids_are_time_ordered_unique_and_url_safe():
    ids = ClickIds()
    made = [ids.new(1_700_000_000.123) for _ in range(3 * ClickIds.POOL // 8)]  # 3 pools
    assert len(set(made)) == len(made)
    assert {len(each) for each in made} == {22}
    assert {each[:11] for each in made} == {f"{1_700_000_000_123:011x}"}
    assert all(re.fullmatch(r"[0-9a-f]{11}[A-Za-z0-9_-]{11}", each) for each in made)
    assert ids.new(1_700_000_000.124) > made[0][:11]  # later ids sort after


def test_a_forked_process_never_hands_out_its_parent_s_random_bits():
    ids = ClickIds()
    ids.new(0)  # the parent has a pool
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        os.close(read)
        os.write(write, " ".join(ids.new(0) for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split())
    os.waitpid(pid, 0)
    parent = {ids.new(0) for _ in range(50)}
    assert len(child) == 50 and not child & parent
