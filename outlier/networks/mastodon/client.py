"""Mastodon.py, talking only through Outlier's safe HTTP client.

The instance address is whatever the user typed, so Mastodon.py gets a `requests.Session`
whose transport is `outlier.core.safe_requests` (address vetting, hand-followed redirects,
timeouts, a total deadline and a size cap on every answer). A response hook keeps the last
answer, so failures can be classified from its status and headers (Mastodon.py's exceptions
keep neither the headers nor X-RateLimit-Reset).

Two Mastodon.py defaults are not taken:

- the access token is never given to the constructor, which reads it from a file when the
  value names one (a pasted "token" such as /etc/passwd would be read and sent to the
  instance): it is set on the client afterwards;
- rate limits are not waited for inside a call (`ratelimit_method="throw"`): a 429 becomes a
  RATE_LIMITED failure with the wait Mastodon announced, and the worker reschedules.

Version checks: Mastodon.py is told the server's version (read from /api/v2/instance, see
`instance`) and refuses calls the server is too old for (`version_check_mode="created"`),
without probing the server itself.
"""

from __future__ import annotations

from typing import Any

import requests
from mastodon import Mastodon

from outlier.core.safe_requests import safe_session

__all__ = ["MAX_ANSWER_BYTES", "Recorder", "make_client"]

MAX_ANSWER_BYTES = 10 * 1024 * 1024  # a page of 80 notifications with their statuses fits


class Recorder:
    """A `requests` response hook that keeps the last response."""

    def __init__(self) -> None:
        self.last: requests.Response | None = None

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        self.last = response
        return response


def make_client(
    instance_url: str, access_token: str, *, version: str | None, timeout: float
) -> tuple[Mastodon, Recorder]:
    """A Mastodon.py client for `instance_url`, and the recorder of its responses.

    `timeout` is the read timeout of each request; the whole request (an upload included) must
    finish within twice that. `version` None leaves version checks off (to read the
    instance's own description, which names the version).
    """
    session = safe_session(
        deadline=2 * timeout,
        max_bytes=MAX_ANSWER_BYTES,
        connect_timeout=min(5.0, timeout),
        read_timeout=timeout,
    )
    recorder = Recorder()
    session.hooks["response"].append(recorder)
    client = Mastodon(
        api_base_url=instance_url,
        session=session,
        request_timeout=timeout,
        ratelimit_method="throw",
        version_check_mode="created" if version else "none",
        mastodon_version=version,
        user_agent="",  # empty: safe_http sends Outlier's own User-Agent
    )
    client.access_token = access_token or None
    return client, recorder
