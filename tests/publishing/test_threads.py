"""Bluesky threads from the composer: a long text is scheduled as a thread, the composer's preview
shows its posts, and a text that cannot be a thread gets the same reason from the composer, the
API and the CSV import (all three check through `content`'s rules, where the text is cut)."""

from __future__ import annotations

import csv
import io

import lxml.html
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from outlier.links import codes
from outlier.networks.threads import MARKER
from outlier.publishing import bulk_import
from outlier.publishing.models import Delivery, Post, PostStatus
from tests.api.client import Api
from tests.publishing.conftest import make_channel

SENTENCE = "Rivers carry the towns' stories down to the sea, one bend at a time. "  # 69
LONG = SENTENCE * 10  # 690 characters: three posts
LINK = "https://example.org/rivers/" + "long-path-" * 6  # 87 characters
TOO_MANY = SENTENCE * 115  # 7,935 characters, 4 sentences a post: 29 posts, 4 too many


@pytest.fixture
def bluesky(team):
    """A Bluesky channel; checking a post against its rules asks the network nothing."""
    return make_channel(team.workspace, network="bluesky", name="Sky",
                        settings={"handle": "acme.bsky.social", "appview": "pds"},
                        credentials={"app_password": "abcd-efgh-ijkl-mnop"})  # fmt: skip


def compose(channels, **overrides):
    data = {"text": LONG, "title": "", "link": "", "when": "at", "day": "2030-06-12",
            "at": "09:00", "timezone": "Europe/Paris", "repeat_unit": "day",
            "channels": [c.pk for c in channels], "action": "schedule", "tracking": "on"}  # fmt: skip
    data.update(overrides)
    return data


def text_errors(response) -> list[str]:
    tree = lxml.html.fromstring(response.content.decode())
    block = tree.xpath('//form[@id="composer"]//*[contains(@class, "field")][.//*[@name="text"]]')
    return [" ".join(e.text_content().split()) for e in block[-1].xpath('.//*[@role="alert"]')]


def preview(client, channels, **fields):
    data = {"text": LONG, "link": "", "tracking": "on", "channels": [c.pk for c in channels],
            **fields}  # fmt: skip
    response = client.post("/app/acme/compose/thread/", data)
    assert response.status_code == 200, response.content
    return response.json()["threads"]


def test_a_long_bluesky_text_is_scheduled_as_a_thread(team, bluesky):
    client = team.client(team.editor)
    page = client.get("/app/acme/compose/").content.decode()
    assert f"a line with only {MARKER} starts the next post" in page  # the composer's help

    response = client.post("/app/acme/compose/", compose([bluesky]), follow=True)

    post = Post.objects.get()
    assert post.status == PostStatus.SCHEDULED, text_errors(response)
    assert Delivery.objects.filter(post=post, channel=bluesky).count() == 1


def test_the_preview_shows_each_post_of_the_thread_with_its_length(team, bluesky):
    hook = make_channel(team.workspace, name="Hook")  # no threads there: nothing to preview
    threads = preview(team.client(team.contributor), [bluesky, hook])

    assert list(threads) == [str(bluesky.pk)]
    thread = threads[str(bluesky.pk)]
    assert thread["problem"] == "" and thread["max_parts"] == 25
    assert len(thread["parts"]) == 3
    assert " ".join(thread["parts"]).split() == LONG.split()
    assert all(part.endswith("time.") for part in thread["parts"])  # cut at sentence ends
    assert thread["lengths"] == [len(part) for part in thread["parts"]]
    assert all(length <= 300 for length in thread["lengths"])

    marked = preview(team.client(team.editor), [bluesky], text=f"Short.\n{MARKER}\nAnd more.")
    assert marked[str(bluesky.pk)]["parts"] == ["Short.", "And more."]

    variant = preview(team.client(team.editor), [bluesky], **{f"variant_{bluesky.pk}": "Own."})
    assert variant[str(bluesky.pk)]["parts"] == ["Own."]  # the channel's own text


def test_the_preview_counts_a_tracked_link_as_it_goes_out_in_every_post(team, bluesky):
    text = f"Start at {LINK} today. " + SENTENCE * 5 + f"And again: {LINK}"
    client = team.client(team.editor)
    stand_in = f"{settings.BASE_URL}/l/{'x' * codes.LENGTH}"

    tracked = preview(client, [bluesky], text=text, link=LINK)[str(bluesky.pk)]["parts"]
    assert len(tracked) == 2
    assert tracked[0].startswith(f"Start at {stand_in} today.")
    assert tracked[-1].endswith(f"And again: {stand_in}")
    assert LINK not in "".join(tracked)

    untracked = preview(client, [bluesky], text=text, link=LINK, tracking="")
    assert LINK in untracked[str(bluesky.pk)]["parts"][0]


def test_only_members_who_compose_may_preview(team, bluesky):
    data = {"text": LONG, "channels": [bluesky.pk]}
    assert team.client(team.viewer).post("/app/acme/compose/thread/", data).status_code == 403
    assert team.client(team.outsider).post("/app/acme/compose/thread/", data).status_code == 404
    assert team.client(team.editor).get("/app/acme/compose/thread/").status_code == 405
    rival = make_channel(team.other_workspace, network="bluesky", name="Rival sky",
                         settings={"handle": "rival.bsky.social"},
                         credentials={"app_password": "x"})  # fmt: skip
    assert preview(team.client(team.editor), [rival]) == {}  # another workspace's: ignored


BAD = {
    "too many posts": (
        TOO_MANY,
        "Sky: Bluesky threads from Outlier hold at most 25 posts of 300 characters; this text "
        "makes 29. Shorten it, or make several posts of it.",
    ),
    "an empty part": (
        f"First.\n{MARKER}\n\n{MARKER}\nThird.",
        "Sky: Two “---” lines have nothing between them (after “First.”). Remove that “---” "
        "line or write the post it starts.",
    ),
    "a link longer than a post": (
        "Read https://example.org/" + "a" * 320 + " now.",
        "Sky: A link is too long for one Bluesky post, and a thread cannot cut it: "
        "“https://example.org/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…” has 340 characters; a "
        "post holds 300.",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_composer_api_and_csv_import_refuse_a_bad_thread_alike(team, bluesky, case):
    text, message = BAD[case]

    # The composer: the reason beside the text, the content kept as a draft.
    response = team.client(team.editor).post("/app/acme/compose/", compose([bluesky], text=text))
    assert text_errors(response) == [message]
    post = Post.objects.get()
    assert post.status == PostStatus.DRAFT and not Delivery.objects.exists()

    # The API's check of that post, and its refusal to schedule it.
    api = Api(team.token(team.editor))
    assert api.post(f"/posts/{post.pk}/validate").json() == [
        {"channel": "Sky", "field": "text", "message": message.removeprefix("Sky: ")}
    ]
    refused = api.post(f"/posts/{post.pk}/schedule", {"when": "now"})
    assert refused.status_code == 400 and message.removeprefix("Sky: ") in refused.json()["detail"]

    # The CSV import: the same reason on the row, nothing created.
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [["date", "time", "text", "channel"], ["06/12/2030", "09:00", text, "Sky"]]
    )
    upload = SimpleUploadedFile("posts.csv", out.getvalue().encode(), content_type="text/csv")
    [row] = bulk_import.check_rows(team.member(team.editor), upload, "Europe/Paris", "MM/DD/YYYY")
    assert not row.ok
    assert [(e.column, e.message) for e in row.errors] == [("text", message)]
    assert Post.objects.count() == 1


def test_the_csv_import_schedules_a_long_text_as_a_thread(team, bluesky):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([
        ["date", "time", "text", "link", "channel"],
        ["06/12/2030", "09:00", LONG, "", "Sky"],
        ["06/12/2030", "10:00", f"See {LINK}\n{MARKER}\nAnd the rest.", LINK, "Sky"],
    ])  # fmt: skip
    upload = SimpleUploadedFile("posts.csv", out.getvalue().encode(), content_type="text/csv")

    report = bulk_import.do_import(team.member(team.editor), upload, "Europe/Paris", "MM/DD/YYYY")

    assert [row.outcome for row in report.rows] == ["scheduled", "scheduled"], [
        row.messages for row in report.rows
    ]
    assert Post.objects.filter(status=PostStatus.SCHEDULED).count() == 2
