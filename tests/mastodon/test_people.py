"""Follower lists and profiles: who follows the account and whom it follows, as people with
their profile's proof (verified website, links); paging by the Link header; failures
classified."""

from __future__ import annotations

import pytest

from outlier.networks.base import ErrorKind, Person, PublishError
from outlier.networks.mastodon import MastodonAdapter

from .conftest import ACCOUNT_ID, FakeMastodon, fixture

FOLLOWERS = f"/api/v1/accounts/{ACCOUNT_ID}/followers"
FOLLOWING = f"/api/v1/accounts/{ACCOUNT_ID}/following"


def failure(call: object, *args: str) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_followers_as_people_with_their_profiles(mastodon: FakeMastodon) -> None:
    page = MastodonAdapter(mastodon.config()).followers()

    [asked] = mastodon.requests_to("GET", FOLLOWERS)
    assert asked.query["limit"] == ["80"] and "max_id" not in asked.query
    assert asked.headers["authorization"] == f"Bearer {mastodon.token}"
    erin, frank, bob = page.people
    assert erin == Person(
        remote_id="https://other.example/users/erin",  # as interactions name their authors
        handle="@erin@other.example",
        name="Erin Rivers",
        avatar="https://other.example/system/accounts/avatars/200002/original/me.png",
        url="https://other.example/@erin",
        followers=2210,
        bio="Hydrologist. Notes at https://notes.example/erin with @acme #water",
        website="https://erin.example",  # the field Mastodon verified (rel="me" back)
        links=("https://erin.example", "https://blog.example/erin"),  # the fields' links
    )
    assert frank.handle == "@frank@social.example"  # a local account gets the server's name
    assert frank.website == "" and frank.links == ()
    assert bob.name == "bob"  # no display name: the user name
    assert page.cursor == ""  # three of 80: no Link to a next page


def test_a_hostile_display_name_comes_back_as_plain_data(mastodon: FakeMastodon) -> None:
    frank = MastodonAdapter(mastodon.config()).followers().people[1]

    assert frank.name == '<img src=x onerror="alert(1)">Frank & <b>co</b>'  # as sent, not parsed
    assert frank.bio == "<script>alert(1)</script> local"  # the note's text, entities decoded


def test_following(mastodon: FakeMastodon) -> None:
    page = MastodonAdapter(mastodon.config()).following()

    [gina] = page.people
    assert (gina.handle, gina.website, gina.followers) == (
        "@gina@news.example", "https://news.example", 90210)  # fmt: skip
    assert len(mastodon.requests_to("GET", FOLLOWING)) == 1


def test_pages_follow_the_link_headers_max_id(mastodon: FakeMastodon) -> None:
    many = fixture("followers.json")[0]
    mastodon.followers = [{**many, "id": str(300000 + n), "uri": f"https://x.example/users/{n}"}
                          for n in range(170)]  # fmt: skip
    adapter = MastodonAdapter(mastodon.config())

    first = adapter.followers()
    second = adapter.followers(first.cursor)
    third = adapter.followers(second.cursor)

    assert (len(first.people), len(second.people), len(third.people)) == (80, 80, 10)
    assert first.cursor == "8921"  # the follow id the Link header names, not an account id
    asked = mastodon.requests_to("GET", FOLLOWERS)
    assert [s.query.get("max_id") for s in asked] == [None, ["8921"], ["8841"]]
    assert third.cursor == ""  # a page that is not full has no next link
    uris = [p.remote_id for p in (*first.people, *second.people, *third.people)]
    assert len(set(uris)) == 170


def test_a_full_last_page_is_followed_by_an_empty_one(mastodon: FakeMastodon) -> None:
    many = fixture("followers.json")[0]
    mastodon.followers = [{**many, "uri": f"https://x.example/users/{n}"} for n in range(80)]
    adapter = MastodonAdapter(mastodon.config())

    first = adapter.followers()
    assert len(first.people) == 80 and first.cursor  # Mastodon links on when the page is full
    after = adapter.followers(first.cursor)

    assert after.people == () and after.cursor == ""


def test_the_account_id_is_read_once_and_kept(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    adapter.followers()
    adapter.following()
    assert len(mastodon.requests_to("GET", "/api/v1/accounts/verify_credentials")) == 1

    kept = MastodonAdapter(mastodon.config(**adapter.config_changes()))
    kept.followers()
    assert len(mastodon.requests_to("GET", "/api/v1/accounts/verify_credentials")) == 1


def test_a_garbled_cursor_is_refused_before_anything_is_sent(mastodon: FakeMastodon) -> None:
    error = failure(MastodonAdapter(mastodon.config()).followers, "../../admin?x=1")

    assert error.kind is ErrorKind.PERMANENT and "is not a page of the followers" in str(error)
    assert mastodon.seen == []


def test_a_profile_by_uri_handle_or_id(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())

    by_uri = adapter.profile("https://other.example/users/erin")
    [searched] = mastodon.requests_to("GET", "/api/v2/search")
    assert searched.query["type"] == ["accounts"] and searched.query["resolve"] == ["1"]
    by_handle = adapter.profile("@erin@other.example")
    assert mastodon.requests_to("GET", "/api/v1/accounts/lookup")[0].query["acct"] == [
        "erin@other.example"]  # fmt: skip
    by_id = adapter.profile("200002")

    assert by_uri == by_handle == by_id
    assert by_uri.website == "https://erin.example" and by_uri.followers == 2210


def test_an_unknown_profile_is_permanent(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    for wanted in ("https://nowhere.example/users/x", "@nobody@nowhere.example", "999"):
        error = failure(adapter.profile, wanted)
        assert error.kind is ErrorKind.PERMANENT, wanted
        assert f"knows no account {wanted}" in str(error)
    error = failure(adapter.profile, "not an account/../x")
    assert error.kind is ErrorKind.PERMANENT and "is not a Mastodon account" in str(error)


def test_a_revoked_token_asks_to_reconnect(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    adapter.followers()
    mastodon.revoked = True

    error = failure(adapter.followers)

    assert error.kind is ErrorKind.AUTH and "The access token was revoked" in str(error)


def test_rate_limited_with_retry_after(mastodon: FakeMastodon) -> None:
    mastodon.answer("GET", FOLLOWING, 429, {"error": "Too many requests"},
                    headers={"Retry-After": "45"})  # fmt: skip

    error = failure(MastodonAdapter(mastodon.config()).following)

    assert error.kind is ErrorKind.RATE_LIMITED and error.retry_after == 45


def test_an_answer_that_is_not_json(mastodon: FakeMastodon) -> None:
    mastodon.answer("GET", FOLLOWERS, 200, "<html>Welcome to the hotel Wi-Fi</html>")

    error = failure(MastodonAdapter(mastodon.config()).followers)

    assert error.kind is ErrorKind.PERMANENT and "not Mastodon's API" in str(error)


def test_a_server_error_is_transient(mastodon: FakeMastodon) -> None:
    mastodon.answer("GET", FOLLOWERS, 503, "<html>Maintenance</html>",
                    headers={"Retry-After": "120"})  # fmt: skip

    error = failure(MastodonAdapter(mastodon.config()).followers)

    assert error.kind is ErrorKind.TRANSIENT and error.retry_after == 120
