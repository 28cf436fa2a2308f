from __future__ import annotations

from typing import Any

import pytest

from outlier.publishing.models import Channel
from tests.networks.conftest import loopback_allowed, receiver  # noqa: F401 (shared peers)


def make_channel(workspace: Any, **overrides: Any) -> Channel:
    values: dict[str, Any] = {
        "network": "webhook",
        "name": "Hook",
        "settings": {"url": "https://hooks.example.org/outlier"},
        "credentials": {"secret": "s3cret"},
        "timezone": "Europe/Paris",
        "queue_times": [
            {"days": [0, 1, 2, 3, 4], "time": "09:00"},
            {"days": [0, 1, 2, 3, 4], "time": "13:00"},
        ],  # fmt: skip
    }
    values.update(overrides)
    return Channel.objects.create(workspace=workspace, **values)


@pytest.fixture
def channel(team: Any) -> Channel:
    return make_channel(team.workspace)
