"""Who followed a link: a browser or a bot, and on what kind of device.

Bots come from two sources. The maintained list of crawler patterns (the
`crawler-user-agents` package: about 1,500 patterns for search engines, link previewers,
feed readers, monitors, scrapers and AI crawlers, updated with each release) and a few
heuristics for what no list names yet: no user agent at all, one that does not start like
every browser's ("Mozilla/…", or "Opera/…" for old Opera), or one that says bot, crawler,
spider, preview, headless, or carries a contact address ("+https://…").

The device type is read from the usual markers (iPad and Android without "Mobile" are
tablets; "Mobi", iPhone and other phones are mobile; Windows, macOS, Linux and ChromeOS
desktops). Bots get "other".

Matching against the list costs about half a millisecond, so results are remembered per
user-agent string (the same few strings make up most traffic); this runs in the click
writer's thread, never while answering the redirect.
"""

from __future__ import annotations

import re
from functools import lru_cache

from outlier.links.models import AgentClass, Device

MAX_AGENT = 512  # longer strings are cut before matching (and remembering)

_BOT_WORDS = re.compile(
    r"(?-i:[a-z]bot\b|\b[Bb]ot\b|[Bb]ot/)|crawl|spider|slurp|scrap|fetch|preview|headless|monitor|checker|"
    r"validator|archiver|\+https?://|https?://\S+\)|python-|java/|curl/|wget/|okhttp|"
    r"go-http-client|axios|node-fetch|libwww|httpclient|http\.rb|feed",
    re.IGNORECASE,
)
_BROWSER_START = ("Mozilla/", "Opera/")
_TABLET = re.compile(r"iPad|Tablet|Kindle|Silk/|PlayBook|Nexus (?:7|9|10)\b|SM-T\d", re.I)
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Android|Windows Phone|BlackBerry|BB10|Opera Mini", re.I)
_DESKTOP = re.compile(r"Windows NT|Macintosh|Mac OS X|X11|Linux|CrOS", re.I)


def _listed(agent: str) -> bool:
    try:
        import crawleruseragents
    except ImportError:  # the heuristics alone then
        return False
    return bool(crawleruseragents.is_crawler(agent))


def classify(agent: str) -> tuple[str, str]:
    """(agent class, device) for a user-agent string."""
    return _classify(agent[:MAX_AGENT])  # what is remembered stays small


@lru_cache(maxsize=8192)
def _classify(agent: str) -> tuple[str, str]:
    agent = agent.strip()
    if not agent or not agent.startswith(_BROWSER_START) or _BOT_WORDS.search(agent):
        return AgentClass.BOT.value, Device.OTHER.value
    if _listed(agent):
        return AgentClass.BOT.value, Device.OTHER.value
    return AgentClass.BROWSER.value, device(agent)


def device(agent: str) -> str:
    if _TABLET.search(agent) or ("Android" in agent and "Mobile" not in agent):
        return Device.TABLET.value
    if _MOBILE.search(agent):
        return Device.MOBILE.value
    if _DESKTOP.search(agent):
        return Device.DESKTOP.value
    return Device.OTHER.value
