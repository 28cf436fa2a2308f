"""The reads of tracked links that the links screen and the REST API share: a workspace's links,
newest first and filtered, and their click totals.

Click totals are counted from the Click table, a page of links at a time (one grouped query
over the (link, at) index): this app sits below analytics and cannot read its rollups, and
counting here keeps the screen and the API in agreement and up to the last flushed click.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from outlier.links.models import AgentClass, Click, TrackedLink

MAX_PAGE = 200


@dataclass(frozen=True)
class ClickTotals:
    clicks: int = 0  # people (browsers)
    bot_clicks: int = 0  # counted apart


def workspace_links(
    workspace_id: int, *, campaign_id: int | None = None, enabled: bool | None = None
) -> QuerySet[TrackedLink]:
    """The workspace's links, newest first (ties by id), optionally of one campaign or only
    the enabled or disabled ones. The caller checks that the campaign is the workspace's."""
    links = TrackedLink.objects.filter(workspace_id=workspace_id).select_related("campaign")
    if campaign_id is not None:
        links = links.filter(campaign_id=campaign_id)
    if enabled is not None:
        links = links.filter(enabled=enabled)
    return links.order_by("-created_at", "-pk")


def click_totals(link_ids: Iterable[int]) -> dict[int, ClickTotals]:
    """People's and bots' clicks per link, for every id given (0 for a link without any).
    Clicks still in a web process's buffer count once written (CLICK_FLUSH_MS)."""
    ids = list(link_ids)
    found: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    if ids:
        rows = (
            Click.objects.filter(link_id__in=ids)
            .values_list("link_id", "agent")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for link_id, agent, n in rows:
            found[link_id][agent] = n
    return {
        pk: ClickTotals(by.get(AgentClass.BROWSER, 0), by.get(AgentClass.BOT, 0))
        for pk, by in found.items()
    }
