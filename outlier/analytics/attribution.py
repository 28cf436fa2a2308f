"""Who earned a conversion: the click chosen among its touch points, and what that click's
tracked link belongs to (its campaign; the delivery, channel and post, or the curated item and
topic, that published it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Model

from outlier.curation.models import Scoop
from outlier.digests.models import DigestLink
from outlier.links.models import AgentClass, Click, TrackedLink
from outlier.publishing.models import Delivery

from .models import AttributionModel

# A shop's clock may run a little ahead of ours: a click this much after the conversion counts.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Owner:
    link_id: int
    workspace_id: int
    campaign_id: int | None = None
    delivery_id: int | None = None
    channel_id: int | None = None
    post_id: int | None = None
    scoop_id: int | None = None
    topic_id: int | None = None


def link_owners(
    link_ids: Iterable[int] | None = None, workspace_id: int | None = None
) -> dict[int, Owner]:
    """What each tracked link (all of them, those of a workspace, or `link_ids`) belongs to.

    A link published by a delivery gets that delivery's channel and post, and the post's scoop
    and topic; a link of a curated item (its topic page, feed or e-mail digest link) gets the
    scoop and its topic. When several deliveries share a link the first one (lowest id) is taken. The
    campaign is the link's own; a link without one takes its post's or scoop's.
    """
    links = TrackedLink.objects.all()
    if workspace_id is not None:
        links = links.filter(workspace_id=workspace_id)
    ids: list[int] | None = None
    if link_ids is not None:
        ids = list(link_ids)
        links = links.filter(pk__in=ids)
    owners: dict[int, dict[str, Any]] = {
        pk: {"link_id": pk, "workspace_id": ws, "campaign_id": campaign}
        for pk, ws, campaign in links.values_list("pk", "workspace_id", "campaign_id")
    }
    if not owners:
        return {}

    def rows(model: type[Model], name: str, *values: str) -> Iterable[tuple[Any, ...]]:
        query = model._default_manager.all()
        if ids is not None:
            query = query.filter(**{f"{name}__in": ids})
        elif workspace_id is not None:
            query = query.filter(**{f"{name}__workspace_id": workspace_id})
        else:
            query = query.filter(**{f"{name}__isnull": False})
        return query.order_by("-pk").values_list(f"{name}_id", *values)

    def fill(link: int, campaign: int | None, **found: Any) -> None:
        owner = owners.get(link)
        if owner is None:
            return
        owner.update(found)
        if owner["campaign_id"] is None and campaign is not None:
            owner["campaign_id"] = campaign

    for name in ("site_link", "feed_link"):
        for link, scoop, topic, campaign in rows(Scoop, name, "pk", "topic_id", "campaign_id"):
            fill(link, campaign, scoop_id=scoop, topic_id=topic)
    # A scoop's link in e-mail digests (outlier.digests.tracking).
    for link, scoop, topic, campaign in rows(DigestLink, "link", "scoop_id", "topic_id",
                                             "scoop__campaign_id"):  # fmt: skip
        fill(link, campaign, scoop_id=scoop, topic_id=topic)
    delivered = ("pk", "channel_id", "post_id", "post__scoop_id", "post__scoop__topic_id",
                 "post__campaign_id")  # fmt: skip
    for link, delivery, channel, post, scoop, topic, campaign in rows(
        Delivery, "tracked_link", *delivered
    ):
        # rows come newest first: the lowest id is filled last and wins
        fill(link, campaign, delivery_id=delivery, channel_id=channel, post_id=post,
             scoop_id=scoop, topic_id=topic)  # fmt: skip
    return {pk: Owner(**values) for pk, values in owners.items()}


def choose_click(
    candidates: Iterable[Click | None], occurred_at: datetime, model: str, window_days: int
) -> Click | None:
    """The click a conversion is attributed to: among the touch points that are people (bots
    never count) and fall within the window before the conversion, the last one (default) or
    the first one."""
    start = occurred_at - timedelta(days=window_days)
    eligible = {
        click.pk: click
        for click in candidates
        if click is not None
        and click.agent != AgentClass.BOT
        and start <= click.at <= occurred_at + CLOCK_SKEW
    }
    if not eligible:
        return None
    ordered = sorted(eligible.values(), key=lambda c: (c.at, c.pk))
    return ordered[0] if model == AttributionModel.FIRST_CLICK else ordered[-1]
