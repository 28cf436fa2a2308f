"""Where "Read the full article →" leads on the public pages and in the feeds: the scoop's
tracked link for that medium (`/l/<code>`, UTM for the site or the feed and the scoop's
campaign), or the article itself when the scoop's tracking is turned off.

Views call `link_scoops` on what they are about to render (only when rendering: a 304 or
a remembered page costs nothing more); the links then live on the scoop rows, so every
process renders the same page for the same ETag. Turning tracking off or changing the
campaign is an edit of the scoop, which bumps its topic and so the ETag.
"""

from __future__ import annotations

from collections.abc import Iterable

from outlier.curation.actions import SCOOP_LINKS, do_link_scoops
from outlier.curation.models import Scoop
from outlier.links.actions import link_url
from outlier.links.models import LinkMedium
from outlier.site.addresses import http_url

SITE = LinkMedium.SITE
FEED = LinkMedium.FEED


def link_scoops(scoops: Iterable[Scoop], medium: str) -> None:
    do_link_scoops(scoops, medium)


def read_more_url(scoop: Scoop, medium: str) -> str:
    """The address behind "Read the full article →", or "" when there is none to show."""
    original = http_url(scoop.link_url)
    if not original or not scoop.tracking:
        return original
    link = getattr(scoop, SCOOP_LINKS[LinkMedium(medium)][0])
    return link_url(link) if link is not None else original
