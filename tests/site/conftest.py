"""Fixtures for the public site: a workspace with a public topic, and a clean page cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from outlier.core.models import Workspace
from outlier.curation.models import Topic
from outlier.site.page_cache import pages
from tests.site.factories import make_topic


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> Iterator[None]:
    pages.clear()
    yield
    pages.clear()


@pytest.fixture
def workspace(db: None) -> Workspace:
    return Workspace.objects.create(name="Acme", slug="acme", description="Acme curates.")


@pytest.fixture
def topic(workspace: Workspace) -> Topic:
    return make_topic(workspace)
