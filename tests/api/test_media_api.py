"""A post's video or audio file is checked by the API's validate and schedule endpoints too.

The API takes no uploads (images and video are added in the composer); what it checks is the
same: every channel's rules, a network that cannot carry the file named in the message.
"""

from __future__ import annotations

import pytest

from outlier.publishing import media
from outlier.publishing.models import Delivery, Post
from tests.api.client import Api
from tests.publishing import media_samples as samples
from tests.publishing.conftest import make_channel


@pytest.fixture
def bluesky(team):
    return make_channel(team.workspace, network="bluesky", name="Acme on Bluesky",
                        settings={"handle": "acme.bsky.social", "appview": "pds"},
                        credentials={"app_password": "abcd-efgh-ijkl-mnop"})  # fmt: skip


def test_validate_and_schedule_name_the_network_that_cannot_carry_the_video(
    team, bluesky, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    api = Api(team.token(team.editor))
    created = api.post("/posts", {"text": "The bridge", "channels": [bluesky.pk]})
    assert created.status_code == 201, created.content
    post = Post.objects.get(pk=created.json()["id"])
    assert api.post(f"/posts/{post.pk}/validate").json() == []
    media.do_set_media(team.member(team.editor), post, samples.upload("a.mp4", samples.mp4()))

    assert api.post(f"/posts/{post.pk}/validate").json() == [
        {"channel": "Acme on Bluesky", "field": "media",
         "message": "This post has a video; video is not supported for Bluesky in Outlier."},
    ]  # fmt: skip
    refused = api.post(f"/posts/{post.pk}/schedule", {"when": "now"})
    assert refused.status_code == 400
    assert "video is not supported for Bluesky in Outlier" in refused.json()["detail"]
    assert not Delivery.objects.exists()
