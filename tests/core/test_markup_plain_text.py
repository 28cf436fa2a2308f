"""Markdown (a curator's insight) as the plain text a network shows as it is."""

from __future__ import annotations

import pytest

from outlier.core.markup import render_markdown, render_plain_text


@pytest.mark.parametrize(("markdown", "plain"), [
    ("Towns **must** adapt, *now*.", "Towns must adapt, now."),
    ("__Bold__ and _italic_ and ***both*** and ~~struck~~", "Bold and italic and both and struck"),
    ("Read [the report](https://planet.example/report).",
     "Read the report (https://planet.example/report)."),
    ("See [**the data**](https://planet.example/data)", "See the data (https://planet.example/data)"),
    ("[https://planet.example/](https://planet.example/)", "https://planet.example/"),
    ("[https://planet.example](https://planet.example/)", "https://planet.example/"),
    ("Source: <https://planet.example/rivers>", "Source: https://planet.example/rivers"),
    ("[](https://planet.example/empty)", "https://planet.example/empty"),
    ("Write to [Lois](mailto:lois@planet.example) or <lois@planet.example>",
     "Write to Lois (lois@planet.example) or lois@planet.example"),
    ("![A flooded street](https://planet.example/flood.jpg)",
     "A flooded street (https://planet.example/flood.jpg)"),
    ("Run `outlier worker` now", "Run outlier worker now"),
    ("# Rivers\n\nThey rise.", "Rivers\n\nThey rise."),
    ("Fish &amp; chips \\*not emphasis\\*", "Fish & chips *not emphasis*"),
    ("One line\nthe next line", "One line\nthe next line"),
    ("> Water is rising.\n> Fast.\n>\n> Very fast.", "> Water is rising.\n> Fast.\n>\n> Very fast."),
    ("---", "———"),
    ("", ""),
    ("   \n\n  ", ""),
])  # fmt: skip
def test_inline_markup_becomes_plain_text(markdown, plain):
    assert render_plain_text(markdown) == plain


def test_lists_stay_readable():
    markdown = "Three things:\n\n- **rain**\n- [tides](https://t.example)\n  1. spring\n  2. neap\n- wind\n\n3. third\n4. fourth"
    assert render_plain_text(markdown) == (
        "Three things:\n\n"
        "• rain\n"
        "• tides (https://t.example)\n"
        "  1. spring\n"
        "  2. neap\n"
        "• wind\n\n"
        "3. third\n"
        "4. fourth"
    )


def test_a_loose_list_keeps_its_paragraphs():
    assert render_plain_text("* one\n\n  more about one\n\n* two") == (
        "• one\n\n  more about one\n\n• two"
    )


def test_a_table_becomes_rows_of_cells():
    assert render_plain_text("| City | Rise |\n|---|---|\n| Lyon | **2 m** |") == (
        "City | Rise\nLyon | 2 m"
    )


@pytest.mark.parametrize("markdown", [
    "**never closed",
    "[no address]",
    "[a link](javascript:alert(1))",
    "<script>alert(1)</script>",
    "<b>raw html</b>",
])  # fmt: skip
def test_what_is_not_markdown_stays_as_typed_as_on_the_public_page(markdown):
    """Raw HTML and broken or unsafe markup are shown as text on the public page (the insight
    is rendered without HTML); the plain text keeps them as typed, never as a link."""
    assert render_plain_text(markdown) == markdown
    public = render_markdown(markdown)
    assert "href" not in public and "<script" not in public and "<b>" not in public
