"""The address behind each article of a digest: the scoop's tracked link for e-mail
(`/l/<code>`, medium e-mail, utm_source "digest", utm_content "scoop-<id>", the scoop's
campaign), one per scoop and shared by every subscriber (so a click tells which scoop, never
which subscriber). The reports attribute it to the scoop and its topic (`DigestLink`).

Made the first time a digest carries the scoop, and again when the article's address or the
scoop's campaign changed. Two workers making one at once: the first row wins, the other's link
is deleted, so every digest of a scoop carries the same link.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from outlier.curation.models import Scoop
from outlier.digests.models import DigestLink
from outlier.links.actions import do_create_link, link_url
from outlier.links.models import LinkMedium, TrackedLink
from outlier.links.targets import check_target

SOURCE = "digest"


def _current(link: TrackedLink, original: str, scoop: Scoop) -> bool:
    return link.original == original and link.campaign_id == scoop.campaign_id


def _make(scoop: Scoop, original: str) -> TrackedLink:
    return do_create_link(scoop.topic.workspace, original, campaign=scoop.campaign,
                          medium=LinkMedium.EMAIL, source=SOURCE, content=f"scoop-{scoop.pk}")  # fmt: skip


def scoop_links(scoops: Iterable[Scoop]) -> dict[int, str]:
    """Each scoop's address in a digest: its tracked link, else the article itself (tracking
    turned off for the scoop), else "" (no web address to show)."""
    scoops = list(scoops)
    rows = {row.scoop_id: row for row in DigestLink.objects.select_related("link").filter(
        scoop__in=scoops)}  # fmt: skip
    found: dict[int, str] = {}
    for scoop in scoops:
        try:
            original = check_target(scoop.link_url)
        except ValidationError:
            found[scoop.pk] = ""
            continue
        if not scoop.tracking:
            found[scoop.pk] = original
            continue
        row = rows.get(scoop.pk)
        if row is not None and _current(row.link, original, scoop):
            found[scoop.pk] = link_url(row.link)
            continue
        link = _make(scoop, original)
        if row is None:
            try:
                with transaction.atomic():
                    DigestLink.objects.create(scoop=scoop, topic_id=scoop.topic_id, link=link)
            except IntegrityError:
                link.delete()
                link = DigestLink.objects.select_related("link").get(scoop=scoop).link
        elif not DigestLink.objects.filter(pk=row.pk, link_id=row.link_id).update(link=link):
            link.delete()
            link = DigestLink.objects.select_related("link").get(scoop=scoop).link
        found[scoop.pk] = link_url(link)
    return found
