"""Reading a channel on a schedule: what the inbox, metrics, follower and stream pulls share.

Each of them is a row with a state (DESIGN.md) that a worker leased; `read_channel` runs one
read with the channel's adapter and answers the fields that free the row again:

- a channel that needs reconnecting is not read: its row says so and waits an interval;
- a read that works frees the row until the next interval, with `last_ok_at`;
- a `PublishError` is kept as the row's `last_error`; a rate limit with a Retry-After waits
  exactly that long (at least a second), any other error `retry_seconds` (never longer than
  the interval); refused credentials mark the channel "needs reconnecting";
- any other exception (a bug reading one network) is logged and kept the same way, so it
  does not stop the other channels;
- whatever the adapter renewed meanwhile (a refreshed session) is saved in every case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from outlier.networks.base import ErrorKind, PublishError
from outlier.publishing import actions, content
from outlier.publishing.models import Channel, ChannelStatus

__all__ = ["read_channel"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


def read_channel(channel: Channel, what: str, read: Callable[[Any], T], now: datetime,
                 interval_seconds: float,
                 retry_seconds: float) -> tuple[dict[str, object], T | None]:  # fmt: skip
    """Run `read(adapter)`; answer the row's fields and what `read` returned (None when it
    did not run or failed). `what` names the read in the log ("the inbox of")."""
    interval = timedelta(seconds=interval_seconds)
    fields: dict[str, object] = {"claimed_by": "", "next_at": now + interval}
    if channel.status == ChannelStatus.NEEDS_RECONNECT:
        fields["last_error"] = "The channel needs reconnecting."
        return fields, None
    retry = now + min(timedelta(seconds=retry_seconds), interval)
    adapter = content.adapter_for(channel)
    try:
        result = read(adapter)
    except PublishError as exc:
        logger.info("Reading %s %s failed: %s", what, channel, exc)
        fields["last_error"] = str(exc)[:1000]
        fields["next_at"] = retry
        if exc.kind == ErrorKind.RATE_LIMITED and exc.retry_after:
            fields["next_at"] = now + timedelta(seconds=max(exc.retry_after, 1))
        if exc.kind == ErrorKind.AUTH:
            actions.do_mark_needs_reconnect(channel.pk, str(exc))
        return fields, None
    except Exception as exc:  # a bug reading one network must not stop the others
        logger.exception("Reading %s %s raised", what, channel)
        fields["last_error"] = f"Unexpected error: {exc}"[:1000]
        fields["next_at"] = retry
        return fields, None
    finally:
        content.save_changes(channel, adapter)
    fields.update(last_ok_at=now, last_error="")
    return fields, result
