"""The drafts list: saved posts that are not on their way (drafts, posts whose scheduling was
refused, posts sent back by an editor, posts approved too late), with their channels, last
edit, why they are not scheduled, search over their text, and a link to edit them."""

from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest
from django.utils import timezone

from outlier.publishing import actions
from outlier.publishing.models import Post, PostStatus
from tests.publishing.conftest import make_channel
from tests.publishing.test_screens import FUTURE, compose_data

DRAFTS = "/app/acme/drafts/"


def rows(response) -> dict[int, lxml.html.HtmlElement]:
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.content.decode())
    return {
        int(tr.get("data-post")): tr
        for tr in tree.xpath("//table[@data-table='drafts']//tr[@data-post]")
    }


def cell(row, label: str) -> str:
    return " ".join(row.xpath(f"./td[@data-label='{label}']")[0].text_content().split())


def page_text(response) -> str:
    return " ".join(lxml.html.fromstring(response.content.decode()).text_content().split())


def make_post(team, author, text="Rivers are rising", status=PostStatus.DRAFT, channels=(),
              **fields) -> Post:  # fmt: skip
    post = Post.objects.create(workspace=team.workspace, author=author, text=text,
                               status=status, **fields)  # fmt: skip
    post.channels.set(channels)
    return post


def test_a_saved_draft_is_listed_with_its_channels_and_last_edit(team, channel):
    other = make_channel(team.workspace, name="Newsletter", network="email",
                         settings={"recipients": ["a@acme.test"]})  # fmt: skip
    client = team.client(team.contributor)
    client.post("/app/acme/compose/", compose_data([channel, other], action="save"))
    post = Post.objects.get()
    assert post.status == PostStatus.DRAFT

    found = rows(client.get(DRAFTS))
    row = found[post.pk]
    assert list(found) == [post.pk]
    assert cell(row, "Post").startswith("Rivers are rising")
    assert cell(row, "Channels") == "Hook, Newsletter"
    assert cell(row, "Last edited") == timezone.localtime(post.updated_at).strftime(
        "%-d %b %Y, %H:%M"
    )
    assert cell(row, "Why") == "Not scheduled yet"
    assert row.xpath(".//a[text()='Edit']/@href") == [f"/app/acme/posts/{post.pk}/"]


def test_a_post_whose_scheduling_was_refused_says_why(team, channel):
    client = team.client(team.editor)
    refused = client.post("/app/acme/compose/", compose_data([channel], day="2020-01-06"))
    assert refused.status_code == 200  # the composer again, with the error
    post = Post.objects.get()
    assert post.status == PostStatus.DRAFT
    assert post.schedule_refused == "That time has passed; choose a later one."

    row = rows(client.get(DRAFTS))[post.pk]
    assert cell(row, "Why").startswith(
        "Scheduling was refused: That time has passed; choose a later one."
    )
    assert "Scheduling was refused" in page_text(client.get(f"/app/acme/posts/{post.pk}/"))

    # Scheduled for a time to come: it leaves the list, and the refusal is forgotten.
    client.post(f"/app/acme/posts/{post.pk}/", compose_data([channel], day=FUTURE.isoformat()))
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and post.schedule_refused == ""
    assert rows(client.get(DRAFTS)) == {}


def test_a_refusal_by_the_networks_rules_is_kept_without_counting_as_an_edit(team, channel):
    member = team.member(team.editor)
    post = make_post(team, team.editor, text="", channels=[])
    edited = post.updated_at
    with pytest.raises(Exception, match="Choose at least one channel"):
        actions.do_schedule_post(member, post, when="at", day=FUTURE, at=None, tz_name="UTC")
    post.refresh_from_db()
    assert post.schedule_refused == "Choose at least one channel."
    assert post.updated_at == edited
    row = rows(team.client(team.editor).get(DRAFTS))[post.pk]
    assert cell(row, "Channels") == "No channel chosen"


def test_posts_sent_back_or_approved_too_late_are_listed_with_the_reason(team, channel):
    rejected = make_post(team, team.contributor, text="Too long", status=PostStatus.REJECTED,
                         reviewed_by=team.editor, review_comment="Shorten the first line.",
                         channels=[channel])  # fmt: skip
    missed = make_post(team, team.contributor, text="Late", status=PostStatus.MISSED,
                       channels=[channel])  # fmt: skip
    found = rows(team.client(team.contributor).get(DRAFTS))
    assert (
        cell(found[rejected.pk], "Why") == "Sent back by editor@acme.test: Shorten the first line."
    )
    assert "Rejected" in cell(found[rejected.pk], "Post")
    assert cell(found[missed.pk], "Why").startswith("Approved after its time had passed")


def test_only_unscheduled_posts_of_this_workspace_are_listed(team, channel):
    draft = make_post(team, team.editor, text="A draft")
    for status in (PostStatus.SCHEDULED, PostStatus.AWAITING_APPROVAL, PostStatus.PUBLISHED,
                   PostStatus.CANCELLED, PostStatus.FAILED):  # fmt: skip
        make_post(team, team.editor, text=f"A {status} post", status=status)
    Post.objects.create(workspace=team.other_workspace, text="Their draft")
    assert list(rows(team.client(team.editor).get(DRAFTS))) == [draft.pk]


def test_last_edited_first(team):
    older = make_post(team, team.editor, text="Older")
    newer = make_post(team, team.editor, text="Newer")
    Post.objects.filter(pk=older.pk).update(updated_at=timezone.now() - timedelta(days=2))
    assert list(rows(team.client(team.editor).get(DRAFTS))) == [newer.pk, older.pk]


def test_search_finds_words_in_the_text_title_and_channel_texts(team, channel):
    rivers = make_post(team, team.editor, text="Rivers are RISING in Lyon")
    titled = make_post(team, team.editor, text="Nothing here", title="Tides of Lyon")
    variant = make_post(team, team.editor, text="Short", channels=[channel])
    variant.variants.create(channel=channel, text="A longer text for Lyon's hook")
    make_post(team, team.editor, text="Something else entirely")
    client = team.client(team.editor)
    assert set(rows(client.get(DRAFTS, {"q": "lyon"}))) == {rivers.pk, titled.pk, variant.pk}
    assert list(rows(client.get(DRAFTS, {"q": "rising lyon"}))) == [rivers.pk]
    assert list(rows(client.get(DRAFTS, {"q": "  TIDES "}))) == [titled.pk]
    nothing = client.get(DRAFTS, {"q": "volcano"})
    assert rows(nothing) == {} and "No draft has “volcano” in its text or title." in page_text(
        nothing
    )


@pytest.mark.parametrize("query", ["%", "_", "100%", "\\", "'; DROP TABLE x; --", "x" * 5000])
def test_search_takes_any_input_literally(team, query):
    make_post(team, team.editor, text="Discount of 100% on rivers")
    response = team.client(team.editor).get(DRAFTS, {"q": query})
    found = rows(response)
    assert len(found) == (1 if query in ("%", "100%") else 0)


def test_search_words_are_shown_escaped(team):
    response = team.client(team.editor).get(DRAFTS, {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


def test_pages_of_fifty_and_a_bad_page_number(team):
    for n in range(55):
        make_post(team, team.editor, text=f"Draft {n}")
    client = team.client(team.editor)
    assert len(rows(client.get(DRAFTS))) == 50
    assert len(rows(client.get(DRAFTS, {"page": "2"}))) == 5
    assert len(rows(client.get(DRAFTS, {"page": "abc"}))) == 50
    assert len(rows(client.get(DRAFTS, {"page": "999"}))) == 5
    # The pager keeps the search.
    assert '?q=Draft&amp;page=2">Older' in client.get(DRAFTS, {"q": "Draft"}).content.decode()


def test_each_role_sees_the_list_and_edits_what_it_may(team):
    own = make_post(team, team.contributor, text="Mine")
    theirs = make_post(team, team.editor, text="The editor's")

    def links(who) -> dict[int, list[str]]:
        found = rows(team.client(who).get(DRAFTS))
        return {pk: row.xpath("./td[last()]//a/text()") for pk, row in found.items()}

    assert links(team.contributor) == {own.pk: ["Edit"], theirs.pk: ["Open"]}
    assert links(team.viewer) == {own.pk: ["Open"], theirs.pk: ["Open"]}
    assert links(team.editor) == {own.pk: ["Edit"], theirs.pk: ["Edit"]}
    assert team.client(team.outsider).get(DRAFTS).status_code == 404
    anonymous = team.client(team.viewer)
    anonymous.logout()
    assert anonymous.get(DRAFTS).status_code == 302


def test_the_publishing_tabs_link_to_the_drafts(team):
    tree = lxml.html.fromstring(team.client(team.viewer).get("/app/acme/calendar/").content)
    assert tree.xpath("//nav[@class='tabs']/a[text()='Drafts']/@href") == [DRAFTS]
    drafts = lxml.html.fromstring(team.client(team.viewer).get(DRAFTS).content)
    assert drafts.xpath("//nav[@class='tabs']/a[@aria-current='page']/text()") == ["Drafts"]
