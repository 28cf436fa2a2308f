"""The real peers the publishing API tests talk to: the webhook receiver and the SMTP servers."""

from __future__ import annotations

from tests.networks.conftest import (  # noqa: F401 (shared peers)
    loopback_allowed,
    receiver,
    smtp_auth_server,
    smtp_server,
)
