"""Browser or bot (the maintained crawler list plus heuristics), and the device type."""

from __future__ import annotations

import pytest

from outlier.links.agents import classify

from .conftest import FIREFOX, GOOGLEBOT, IPHONE


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (FIREFOX, ("browser", "desktop")),
        (IPHONE, ("browser", "mobile")),
        ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.0 Mobile/15E148 Safari/604.1", ("browser", "tablet")),
        ("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/130.0 Safari/537.36", ("browser", "tablet")),
        ("Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/130.0 Mobile Safari/537.36", ("browser", "mobile")),
        (GOOGLEBOT, ("bot", "other")),
        ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", ("bot", "other")),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", ("bot", "other")),
        ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
         "+https://openai.com/gptbot)", ("bot", "other")),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "HeadlessChrome/130.0 Safari/537.36", ("bot", "other")),
        ("curl/8.11.0", ("bot", "other")),
        ("python-requests/2.32", ("bot", "other")),
        ("", ("bot", "other")),
    ],
)  # fmt: skip
def test_classify(agent, expected):
    assert classify(agent) == expected


def test_a_bot_only_the_maintained_list_knows():
    # Looks like a browser to the heuristics; the crawler-user-agents list names it.
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) " \
            "Chrome/120.0 Safari/537.36 Google-InspectionTool/1.0"  # fmt: skip
    assert classify(agent)[0] == "bot"
