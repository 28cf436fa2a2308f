"""sitemap.xml: the front page, workspaces, public topics and published scoops."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q, QuerySet
from django.urls import reverse

from outlier.core.models import Workspace
from outlier.curation.models import Scoop, ScoopState, Topic

if TYPE_CHECKING:  # the sites framework is not installed; its types only
    from django.contrib.sites.models import Site
    from django.contrib.sites.requests import RequestSite


class PublicSitemap(Sitemap[Any]):
    """Locations on BASE_URL, whatever Host the sitemap was asked for with."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.BASE_URL).scheme

    def get_domain(self, site: Site | RequestSite | None = None) -> str:
        return urlsplit(settings.BASE_URL).netloc


class HomeSitemap(PublicSitemap):
    def items(self) -> list[str]:
        return ["site:home"]

    def location(self, item: str) -> str:
        return reverse(item)


class WorkspaceSitemap(PublicSitemap):
    def items(self) -> QuerySet[Workspace]:
        return (
            Workspace.objects.filter(topics__is_public=True)
            .annotate(latest=Max("topics__changed_at", filter=Q(topics__is_public=True)))
            .order_by("slug")
        )

    def location(self, item: Workspace) -> str:
        return reverse("site:workspace", args=[item.slug])

    def lastmod(self, item: Workspace) -> datetime | None:
        latest: datetime | None = getattr(item, "latest", None)
        return latest


class TopicSitemap(PublicSitemap):
    def items(self) -> QuerySet[Topic]:
        return Topic.objects.filter(is_public=True).only("slug", "changed_at").order_by("slug")

    def lastmod(self, item: Topic) -> datetime:
        return item.changed_at


class ScoopSitemap(PublicSitemap):
    """Every published scoop of a public topic: the big one, so each URL is built cheaply."""

    def items(self) -> QuerySet[Scoop]:
        return (
            Scoop.objects.filter(state=ScoopState.PUBLISHED, topic__is_public=True)
            .select_related("topic")
            .only("id", "title", "updated_at", "topic__slug")
            .order_by("-published_at", "-id")
        )

    def location(self, item: Scoop) -> str:
        # reverse() once per topic rather than once per scoop; the tests hold this equal to
        # Scoop.get_absolute_url().
        return f"{_topic_path(item.topic.slug)}{item.pk}-{item.slug}/"

    def lastmod(self, item: Scoop) -> datetime:
        return item.updated_at


@lru_cache(maxsize=1024)
def _topic_path(slug: str) -> str:
    return reverse("site:topic", args=[slug])


SITEMAPS: dict[str, Sitemap[Any] | type[Sitemap[Any]]] = {
    "home": HomeSitemap(),
    "workspaces": WorkspaceSitemap(),
    "topics": TopicSitemap(),
    "scoops": ScoopSitemap(),
}
