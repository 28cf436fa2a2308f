from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sources.feed_server import FeedServer, serve


@pytest.fixture
def feed_server(settings: Any) -> Iterator[FeedServer]:
    settings.ALLOWED_PRIVATE_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    with serve() as server:
        yield server
