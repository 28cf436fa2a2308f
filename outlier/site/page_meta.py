"""What a public page says about itself: canonical URL, OpenGraph and Twitter card."""

from __future__ import annotations

from dataclasses import dataclass

from outlier.curation.models import Scoop, Topic
from outlier.site.addresses import absolute_url, http_url
from outlier.site.text import cut_at_word

DESCRIPTION_LENGTH = 200


@dataclass(frozen=True)
class PageMeta:
    title: str
    description: str
    url: str  # absolute; also the canonical link
    site_name: str
    image: str = ""
    type: str = "website"
    published_at: str = ""

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.image else "summary"


def cover_url(topic: Topic) -> str:
    return absolute_url(topic.cover_image.url) if topic.cover_image else ""


def topic_meta(topic: Topic, path: str, title: str = "") -> PageMeta:
    return PageMeta(
        title=title or topic.name,
        description=cut_at_word(topic.description, DESCRIPTION_LENGTH),
        url=absolute_url(path),
        site_name=topic.name,
        image=cover_url(topic),
    )


def scoop_meta(scoop: Scoop) -> PageMeta:
    text = scoop.excerpt or scoop.topic.description
    return PageMeta(
        title=scoop.title or scoop.display_site,
        description=cut_at_word(text, DESCRIPTION_LENGTH),
        url=absolute_url(scoop.get_absolute_url()),
        site_name=scoop.topic.name,
        image=http_url(scoop.image_url) or cover_url(scoop.topic),
        type="article",
        published_at=scoop.published_at.isoformat() if scoop.published_at else "",
    )
