"""The small pieces: cutting text, vetting outbound URLs, the page memory."""

from __future__ import annotations

from outlier.site.addresses import http_url
from outlier.site.page_cache import CachedPage, PageCache
from outlier.site.text import cut_at_word


def test_cut_at_word_keeps_short_text_and_cuts_long_text_between_words():
    assert cut_at_word("  short   text ", 50) == "short text"
    cut = cut_at_word("The rivers are rising faster than anyone measured before", 30)
    assert cut == "The rivers are rising faster…"
    assert len(cut) <= 30
    assert cut_at_word("x" * 100, 10) == "x" * 9 + "…"


def test_http_url_refuses_other_schemes():
    assert http_url("https://a.example/x?y=1") == "https://a.example/x?y=1"
    assert http_url("HTTP://a.example/") == "HTTP://a.example/"
    for bad in (
        "javascript:alert(1)",
        "data:text/html,x",
        "//a.example/",
        "/relative",
        "",
        "http://",
    ):
        assert http_url(bad) == ""


def test_page_cache_is_bounded_by_entries_and_bytes():
    cache = PageCache(max_entries=2, max_bytes=10, max_entry_bytes=8)
    cache.put("a", CachedPage(b"1234", "text/html"))
    cache.put("b", CachedPage(b"1234", "text/html"))
    assert cache.get("a") is not None  # now the most recent
    cache.put("c", CachedPage(b"1234", "text/html"))
    assert cache.get("b") is None and cache.get("a") is not None and len(cache) == 2
    cache.put("d", CachedPage(b"1234567", "text/html"))  # over the byte budget: oldest go
    assert len(cache) == 1 and cache.get("d") is not None
    cache.put("huge", CachedPage(b"123456789", "text/html"))  # larger than one entry may be
    assert cache.get("huge") is None
