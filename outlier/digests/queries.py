"""The reads of digests that the curator's screens, the API and the worker share."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, QuerySet

from outlier.curation.models import Scoop, ScoopState, Topic
from outlier.digests.models import Frequency, Subscription, SubscriptionState

MAX_SCOOPS = 50  # articles in one digest at most; the rest go in the next one


def subscribers_of(topic: Topic, state: str = "") -> QuerySet[Subscription]:
    rows = Subscription.objects.filter(topic=topic)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-created_at", "-pk")


def counts(topic: Topic) -> dict[str, int]:
    """Subscribers by state, the active ones by frequency, and the total."""
    found = {state: 0 for state in SubscriptionState.values}
    for state, n in (Subscription.objects.filter(topic=topic).values_list("state")
                     .annotate(n=Count("pk")).order_by()):  # fmt: skip
        found[state] = n
    by_frequency = {freq: 0 for freq in Frequency.values}
    for freq, n in (Subscription.objects.filter(topic=topic, state=SubscriptionState.ACTIVE)
                    .values_list("frequency").annotate(n=Count("pk")).order_by()):  # fmt: skip
        by_frequency[freq] = n
    return {"total": sum(found.values()), **found, **by_frequency}


def new_scoops(topic_id: int, since: datetime, until: datetime) -> list[Scoop]:
    """The topic's published scoops published after `since` and up to `until`, oldest first
    (a digest reads in the order they appeared), at most MAX_SCOOPS."""
    return list(
        Scoop.objects.filter(topic_id=topic_id, state=ScoopState.PUBLISHED,
                             published_at__gt=since, published_at__lte=until)
        .order_by("published_at", "pk")
        .only("pk", "published_at")[:MAX_SCOOPS]
    )  # fmt: skip


def digest_scoops(topic_id: int, ids: list[int]) -> list[Scoop]:
    """The scoops a digest holds that are still published, in its order, ready to render."""
    found = {
        scoop.pk: scoop
        for scoop in Scoop.objects.select_related("topic__workspace", "campaign").filter(
            topic_id=topic_id, pk__in=ids, state=ScoopState.PUBLISHED)
    }  # fmt: skip
    return [found[pk] for pk in ids if pk in found]
