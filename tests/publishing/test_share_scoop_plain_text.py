"""Sharing a scoop fills the composer with its insight as plain text: what the person sees in
the composer (and what is posted) has no Markdown markers, links read "text (address)"."""

from __future__ import annotations

import lxml.html

from outlier.publishing.models import Post
from tests.conftest import make_scoop, make_topic
from tests.publishing.test_screens import compose_data

INSIGHT = """**Towns must adapt**, and _fast_: see [the report](https://planet.example/report)
or <https://planet.example/data>.

- raise the dikes
- [move the school](https://planet.example/school)"""

PLAIN = """Towns must adapt, and fast: see the report (https://planet.example/report)
or https://planet.example/data.

• raise the dikes
• move the school (https://planet.example/school)"""


def composer_text(response) -> str:
    tree = lxml.html.fromstring(response.content.decode())
    return tree.xpath("//textarea[@name='text']")[0].text_content().strip()


def test_share_puts_the_insight_in_the_composer_as_plain_text(team, topic, channel):
    scoop = make_scoop(topic, title="Rivers are rising", insight=INSIGHT)
    client = team.client(team.contributor)
    text = composer_text(client.get(f"/app/acme/compose/?scoop={scoop.pk}"))
    assert text == f"Rivers are rising\n\n{PLAIN}"
    assert "**" not in text and "](" not in text and "<https" not in text

    # Saved as it stands, the post carries the plain text, not the Markdown.
    client.post(f"/app/acme/compose/?scoop={scoop.pk}",
                compose_data([channel], action="save", scoop=scoop.pk, text=text))  # fmt: skip
    post = Post.objects.get()
    assert post.scoop == scoop and post.text == f"Rivers are rising\n\n{PLAIN}"
    scoop.refresh_from_db()
    assert scoop.insight == INSIGHT  # the scoop keeps its Markdown for the public page


def test_an_insight_with_html_or_broken_markup_is_shown_as_typed_and_escaped(team, topic):
    scoop = make_scoop(topic, title="Rivers", insight="<script>alert(1)</script> **unclosed")
    response = team.client(team.contributor).get(f"/app/acme/compose/?scoop={scoop.pk}")
    assert "<script>alert(1)" not in response.content.decode()
    assert composer_text(response) == "Rivers\n\n<script>alert(1)</script> **unclosed"


def test_a_scoop_without_insight_shares_its_title(team, topic):
    scoop = make_scoop(topic, title="Rivers are rising", insight="   ")
    response = team.client(team.contributor).get(f"/app/acme/compose/?scoop={scoop.pk}")
    assert composer_text(response) == "Rivers are rising"


def test_a_scoop_of_another_workspace_cannot_be_shared(team, topic):
    theirs = make_scoop(make_topic(team.other_workspace, slug="theirs"), insight="**secret**")
    response = team.client(team.contributor).get(f"/app/acme/compose/?scoop={theirs.pk}")
    assert response.status_code == 404
    assert "secret" not in response.content.decode()
