"""lookup(): NO only when nothing from Outlier's app appeared since the attempt; never YES."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outlier.networks.base import Content, ErrorKind, Found, PublishError
from outlier.networks.mastodon import MastodonAdapter

from .conftest import ACCOUNT_ID, FakeMastodon

KEY = "dlv-lookup-1"


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _since(minutes: int) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def test_nothing_posted_since_the_attempt_is_a_no(mastodon: FakeMastodon) -> None:
    mastodon.add_status(id="110000000000000101", created_at=_stamp(_since(24 * 60)))

    answer = MastodonAdapter(mastodon.config()).lookup(KEY, _since(20))

    assert answer.found is Found.NO
    [listed] = mastodon.requests_to("GET", f"/api/v1/accounts/{ACCOUNT_ID}/statuses")
    assert listed.query["exclude_reblogs"] == ["1"]


def test_a_status_from_outliers_app_since_the_attempt_cannot_be_told_apart(
    mastodon: FakeMastodon,
) -> None:
    adapter = MastodonAdapter(mastodon.config())
    since = _since(20)
    adapter.publish(Content(text="Maybe this one"), KEY)  # created now, through "Outlier"

    assert adapter.lookup(KEY, since).found is Found.CANNOT_TELL


def test_statuses_from_other_apps_do_not_count(mastodon: FakeMastodon) -> None:
    for n, app in enumerate(["Web", "Ivory", "Tusky"]):
        mastodon.add_status(id=str(110000000000000110 + n), created_at=_stamp(_since(5)),
                            application={"name": app, "website": None})  # fmt: skip
    mastodon.add_status(id="110000000000000101", created_at=_stamp(_since(24 * 60)))

    assert MastodonAdapter(mastodon.config()).lookup(KEY, _since(20)).found is Found.NO


def test_an_attempt_that_may_still_be_in_flight_is_not_judged(mastodon: FakeMastodon) -> None:
    assert MastodonAdapter(mastodon.config()).lookup(KEY, _since(1)).found is Found.CANNOT_TELL
    assert mastodon.seen == []


def test_without_the_apps_name_every_recent_status_may_be_ours(mastodon: FakeMastodon) -> None:
    mastodon.answer("GET", "/api/v1/apps/verify_credentials", 404, {"error": "Not found"})
    mastodon.add_status(id="110000000000000110", created_at=_stamp(_since(5)),
                        application={"name": "Web", "website": None})  # fmt: skip
    assert MastodonAdapter(mastodon.config()).lookup(KEY, _since(20)).found is Found.CANNOT_TELL


def test_more_statuses_than_worth_reading(mastodon: FakeMastodon) -> None:
    for n in range(220):
        mastodon.add_status(id=str(110000000000001000 + n), created_at=_stamp(_since(2)),
                            application={"name": "Bot", "website": None})  # fmt: skip
    answer = MastodonAdapter(mastodon.config()).lookup(KEY, _since(20))
    assert answer.found is Found.CANNOT_TELL
    assert len(mastodon.requests_to("GET", f"/api/v1/accounts/{ACCOUNT_ID}/statuses")) == 5


def test_a_revoked_token_is_an_auth_failure(mastodon: FakeMastodon) -> None:
    mastodon.revoked = True
    with pytest.raises(PublishError) as caught:
        MastodonAdapter(mastodon.config()).lookup(KEY, _since(20))
    assert caught.value.kind is ErrorKind.AUTH
