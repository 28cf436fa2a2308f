"""The Idempotency-Key: derived from the delivery's key, the same on every attempt."""

from __future__ import annotations

from outlier.networks.base import Content
from outlier.networks.mastodon import MastodonAdapter, idempotency_header

from .conftest import FakeMastodon

CONTENT = Content(text="Once only")


def test_the_header_is_stable_per_delivery_and_distinct_between_deliveries() -> None:
    assert idempotency_header("dlv-1") == idempotency_header("dlv-1")
    assert idempotency_header("dlv-1") != idempotency_header("dlv-2")
    header = idempotency_header("dlv-1 with spaces and ünïcode")
    assert header.startswith("outlier-") and len(header) == 40 and header.isascii()


def test_a_repeated_attempt_gets_the_same_status_back(mastodon: FakeMastodon) -> None:
    first = MastodonAdapter(mastodon.config()).publish(CONTENT, "dlv-9")
    again = MastodonAdapter(mastodon.config()).publish(CONTENT, "dlv-9")

    sent = mastodon.requests_to("POST", "/api/v1/statuses")
    assert len(sent) == 2
    assert sent[0].headers["idempotency-key"] == sent[1].headers["idempotency-key"]
    assert again == first  # Mastodon answered the second POST with the first status
    assert len(mastodon.statuses) == 1


def test_another_delivery_of_the_same_text_is_another_status(mastodon: FakeMastodon) -> None:
    first = MastodonAdapter(mastodon.config()).publish(CONTENT, "dlv-9")
    other = MastodonAdapter(mastodon.config()).publish(CONTENT, "dlv-10")

    assert first.remote_id != other.remote_id
    keys = {s.headers["idempotency-key"] for s in mastodon.requests_to("POST", "/api/v1/statuses")}
    assert keys == {idempotency_header("dlv-9"), idempotency_header("dlv-10")}
