"""Inbox fixtures: channels of the team's workspace and items arriving on them, the way the
pulls store them (through `do_record_interactions`)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from outlier.inbox.ingest import do_record_interactions
from outlier.inbox.models import Interaction
from outlier.networks.base import Interaction as Seen
from outlier.networks.base import InteractionKind
from outlier.publishing.models import Channel
from tests.mastodon.conftest import FakeMastodon, loopback_allowed, mastodon  # noqa: F401

_numbers = itertools.count(1)


def arrive(channel: Channel, *, kind: str = "reply", text: str = "Great post!",
           handle: str = "@ana@social.example", name: str = "Ana", at: datetime | None = None,
           **values: Any) -> Interaction:  # fmt: skip
    """An item read from `channel`'s network, stored as a pull stores it; returned as stored."""
    n = next(_numbers)
    seen = Seen(
        kind=InteractionKind(kind),
        remote_id=values.pop("remote_id", f"https://social.example/statuses/{n}"),
        author_id=values.pop("author_id", f"https://social.example/users/{handle.split('@')[1]}"),
        author_handle=handle, author_name=name,
        created_at=at or timezone.now() - timedelta(minutes=n % 50),
        text=text, url=values.pop("url", f"https://social.example/@ana/{n}"),
        reply_ref=values.pop("reply_ref", str(110000000000000000 + n)), **values,
    )  # fmt: skip
    do_record_interactions(channel, [seen])
    return Interaction.objects.get(channel=channel, remote_id=seen.remote_id)


@pytest.fixture
def toot(team: Any, mastodon: FakeMastodon) -> Channel:  # noqa: F811
    """A Mastodon channel of the team, on the contract server."""
    return Channel.objects.create(workspace=team.workspace, network="mastodon", name="Toots",
                                  settings={"instance_url": mastodon.base, "visibility": "public"},
                                  credentials={"access_token": mastodon.token})  # fmt: skip


@pytest.fixture
def rival_toot(team: Any, mastodon: FakeMastodon) -> Channel:  # noqa: F811
    return Channel.objects.create(workspace=team.other_workspace, network="mastodon",
                                  name="Rival toots",
                                  settings={"instance_url": mastodon.base, "visibility": "public"},
                                  credentials={"access_token": mastodon.token})  # fmt: skip
