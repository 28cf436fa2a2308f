"""UTM parameters per channel and campaign: the address's own query string and fragment are
kept byte for byte, a utm_* the user set stays, per-link overrides win, and workspace defaults
fill what nothing else sets."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from outlier.links.actions import do_set_link_defaults
from outlier.links.models import Campaign, LinkMedium

from .conftest import follow, make_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(workspace):
    return Campaign.objects.create(workspace=workspace, name="Spring sale", slug="spring-sale")


def test_utm_added_for_the_channel_and_campaign_keeping_the_query(workspace, campaign):
    link = make_link(workspace, "https://shop.example/p?b=x+y&a=%2F&flag#reviews",
                     campaign=campaign, medium=LinkMedium.SOCIAL, source="mastodon",
                     content="post-42")  # fmt: skip
    assert link.target == (
        "https://shop.example/p?b=x+y&a=%2F&flag&utm_source=mastodon&utm_medium=social"
        "&utm_campaign=spring-sale&utm_content=post-42#reviews"
    )
    assert link.original == "https://shop.example/p?b=x+y&a=%2F&flag#reviews"
    assert link.utm == {"utm_source": "mastodon", "utm_medium": "social",
                        "utm_campaign": "spring-sale", "utm_content": "post-42"}  # fmt: skip


def test_a_utm_the_user_set_is_kept(workspace, campaign):
    link = make_link(workspace, "https://shop.example/?utm_source=newsletter",
                     campaign=campaign, medium=LinkMedium.EMAIL, source="email")  # fmt: skip
    assert link.target == (
        "https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale"
    )


def test_overrides_win_and_an_empty_one_removes(workspace, campaign):
    link = make_link(workspace, "https://shop.example/?utm_source=typed&x=1", campaign=campaign,
                     medium=LinkMedium.FEED, source="feed", content="scoop-7",
                     overrides={"utm_source": "partner", "utm_content": "", "utm_term": "shoes"})  # fmt: skip
    assert link.target == (
        "https://shop.example/?x=1&utm_source=partner&utm_medium=feed"
        "&utm_campaign=spring-sale&utm_term=shoes"
    )


def test_workspace_defaults_fill_what_nothing_else_sets(workspace):
    do_set_link_defaults(workspace, {"utm_campaign": "always-on", "utm_source": "outlier"})
    link = make_link(workspace, "https://shop.example/", medium=LinkMedium.SOCIAL, source="bluesky")
    assert link.utm == {
        "utm_source": "bluesky",
        "utm_medium": "social",
        "utm_campaign": "always-on",
    }


def test_the_redirect_adds_the_click_id_before_the_fragment(workspace, settings):
    settings.CLICK_ID_PARAM = "cid"
    link = make_link(workspace, "https://shop.example/p?a=1#top", medium=LinkMedium.SOCIAL,
                     source="mastodon")  # fmt: skip
    from outlier.links.redirect import resolver

    resolver.forget()
    location = follow(link.code)["Location"]
    head, _, fragment = location.partition("#")
    assert fragment == "top"
    assert head.startswith("https://shop.example/p?a=1&utm_source=mastodon&utm_medium=social&cid=")


@pytest.mark.parametrize("overrides", [{"utm_evil": "x"}, {"utm_source": "a\nb"},
                                       {"utm_source": "x" * 201}])  # fmt: skip
def test_bad_overrides_are_refused(workspace, overrides):
    with pytest.raises(ValidationError):
        make_link(workspace, overrides=overrides)
