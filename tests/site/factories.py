"""Factories for the public site's tests: rows made directly with the ORM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from outlier.core.models import Workspace
from outlier.curation.models import Scoop, ScoopState, Tag, Topic

NOV_25 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def make_topic(workspace: Workspace, **overrides: Any) -> Topic:
    values: dict[str, Any] = {
        "name": "Climate",
        "slug": "climate",
        "description": "Rivers, forests and the people who count them.",
        "is_public": True,
    }
    values.update(overrides)
    return Topic.objects.create(workspace=workspace, **values)


def make_scoop(topic: Topic, **overrides: Any) -> Scoop:
    """A published scoop; ``tags=[...]`` names tags of the topic's workspace."""
    n = Scoop.objects.count() + 1
    tags = overrides.pop("tags", [])
    values: dict[str, Any] = {
        "url": f"https://news.example.org/article-{n}",
        "url_key": f"//news.example.org/article-{n}",
        "state": ScoopState.PUBLISHED,
        "title": f"Article {n}",
        "excerpt": f"What article {n} says, in a sentence or two.",
        "site_name": "Example News",
        "image_url": f"https://news.example.org/img/{n}.jpg",
        "insight_html": f"<p>Why article {n} <strong>matters</strong>.</p>",
        "published_at": NOV_25 - timedelta(hours=n),
    }
    values.update(overrides)
    scoop = Scoop.objects.create(topic=topic, **values)
    for name in tags:
        tag, _ = Tag.objects.get_or_create(
            workspace=topic.workspace, slug=slugify(name), defaults={"name": name}
        )
        scoop.tags.add(tag)
    touch(topic)
    return scoop


def touch(topic: Topic) -> None:
    """What every curation action does after changing what the public pages show."""
    Topic.objects.filter(pk=topic.pk).update(changed_at=timezone.now())
    topic.refresh_from_db()
