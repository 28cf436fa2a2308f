"""Authors and addresses are known by salted HMACs: normalised, per workspace for authors,
and the raw value is never stored."""

from __future__ import annotations

from typing import Any

import pytest

from outlier.moderation.keys import address_key_for, author_key_for
from outlier.moderation.models import Case, Subject
from outlier.moderation.queries import cases_for, visible_ids

from .conftest import judge_text


def test_keys_are_normalised_hashes(team: Any) -> None:
    key = author_key_for(team.workspace, "Ana@Example.org ")
    assert key == author_key_for(team.workspace.pk, "ana@example.org")
    assert len(key) == 64 and int(key, 16) >= 0
    assert key != author_key_for(team.other_workspace, "ana@example.org")
    assert address_key_for(" 203.0.113.5") == address_key_for("203.0.113.5") != ""
    assert address_key_for("") == ""
    with pytest.raises(ValueError):
        author_key_for(team.workspace, "  ")


def test_the_raw_identity_and_address_are_not_stored(team: Any) -> None:
    judge_text(team.workspace, "Thanks!", author="ana@example.org", address="203.0.113.5")
    row = Case.objects.values().get()
    stored = " ".join(str(value) for value in row.values())
    assert "ana@example.org" not in stored and "203.0.113.5" not in stored


def test_higher_apps_read_the_verdict_by_their_ids(team: Any) -> None:
    shown = judge_text(team.workspace, "Thanks!", subject_id="7")
    assert cases_for(team.workspace, Subject.COMMENT, ["7", "8"]) == {"7": shown}
    assert visible_ids(team.workspace, Subject.COMMENT, [7, 8]) == {"7"}
    assert visible_ids(team.workspace, Subject.INBOX, ["7"]) == set()
