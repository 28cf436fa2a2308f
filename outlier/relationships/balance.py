"""The balance of talking and listening, per week and per channel.

Talking: posts published (deliveries sent, not counting replies sent from the inbox).
Listening: replies sent from the inbox, the conversations they answered, and likes and
reposts of others' posts done from the inbox. The workspace's target is a number of listening
acts per post published (`RelationshipSettings.listen_per_post`); a week below it is "all talk"
and the home screen says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from outlier.inbox.models import EngageAction, EngageState, InboxReply
from outlier.publishing.models import Channel, Delivery, DeliveryState
from outlier.relationships.models import RelationshipSettings

WEEKS = 12


@dataclass
class Week:
    start: date  # a Monday
    talk: int = 0
    replies: int = 0
    conversations: int = 0
    engagements: int = 0
    by_channel: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def listen(self) -> int:
        return self.replies + self.engagements

    def ratio(self) -> float | None:
        """Listening acts per post published (None for a week without posts)."""
        return self.listen / self.talk if self.talk else None

    def all_talk(self, target: float) -> bool:
        return self.talk > 0 and self.listen < target * self.talk


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def target_of(workspace_id: int) -> float:
    found = RelationshipSettings.objects.filter(workspace_id=workspace_id).first()
    return found.listen_per_post if found else RelationshipSettings().listen_per_post


def weeks(workspace_id: int, count: int = WEEKS, now: datetime | None = None) -> list[Week]:
    """The last `count` weeks (Monday to Sunday, UTC), this one last."""
    now = now or timezone.now()
    first = monday(now.date()) - timedelta(weeks=count - 1)
    since = datetime.combine(first, time.min, tzinfo=now.tzinfo)
    found = {first + timedelta(weeks=n): Week(first + timedelta(weeks=n)) for n in range(count)}

    def add(day: date, channel_id: int, what: str, n: int) -> None:
        week = found.get(monday(day))
        if week is None:
            return
        setattr(week, what, getattr(week, what) + n)
        if what == "conversations":  # answered by the replies, already counted
            return
        counts = week.by_channel.setdefault(channel_id, {"talk": 0, "listen": 0})
        counts["talk" if what == "talk" else "listen"] += n

    sent = Delivery.objects.filter(post__workspace_id=workspace_id, state=DeliveryState.SENT,
                                   sent_at__gte=since)  # fmt: skip
    for row in (sent.filter(post__inbox_reply__isnull=True)
                .annotate(day=TruncDate("sent_at")).values("day", "channel_id")
                .annotate(n=Count("pk"))):  # fmt: skip
        add(row["day"], row["channel_id"], "talk", row["n"])
    for row in (sent.filter(post__inbox_reply__isnull=False)
                .annotate(day=TruncDate("sent_at")).values("day", "channel_id")
                .annotate(n=Count("pk"))):  # fmt: skip
        add(row["day"], row["channel_id"], "replies", row["n"])
    answered = (InboxReply.objects.filter(interaction__workspace_id=workspace_id,
                                          post__deliveries__state=DeliveryState.SENT,
                                          post__deliveries__sent_at__gte=since)
                .annotate(day=TruncDate("post__deliveries__sent_at"))
                .values("day", "interaction__channel_id")
                .annotate(n=Count("interaction__conversation", distinct=True)))  # fmt: skip
    for row in answered:
        add(row["day"], row["interaction__channel_id"], "conversations", row["n"])
    done = (EngageAction.objects.filter(interaction__workspace_id=workspace_id,
                                        state=EngageState.DONE, done_at__gte=since)
            .annotate(day=TruncDate("done_at")).values("day", "interaction__channel_id")
            .annotate(n=Count("pk")))  # fmt: skip
    for row in done:
        add(row["day"], row["interaction__channel_id"], "engagements", row["n"])
    return list(found.values())


def channel_names(workspace_id: int) -> dict[int, str]:
    return dict(Channel.objects.filter(workspace_id=workspace_id).values_list("pk", "name"))


def nudge(workspace_id: int, now: datetime | None = None) -> Week | None:
    """This week, when it is all talk by the workspace's target (else None)."""
    week = weeks(workspace_id, 1, now)[0]
    return week if week.all_talk(target_of(workspace_id)) else None
