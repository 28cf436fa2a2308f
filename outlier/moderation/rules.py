"""Rules: what each kind's value means, how it is checked, and whether a rule fires on a text.

Kinds and their values (`check_rule` normalises them; the stored value is the normal form):

- ``words``: one word or phrase a line, matched case-insensitively on word boundaries (a
  phrase's spaces match any run of white space);
- ``regex``: one pattern for the `regex` module, searched with a time limit
  (`REGEX_TIMEOUT`): a search that runs out of time counts as no match, and the case's reason
  says so;
- ``links``: a whole number N; fires on a text with more than N links (0: any link);
- ``domain``: one domain a line; fires when a link's host, or the author's website's, is that
  domain or under it (``example.com`` catches ``spam.example.com``);
- ``new_author``: no value; fires while the author has no allowed or approved text in the
  workspace (the first text of someone new, and their next ones until one is let through);
- ``rate``: "N per M" (minutes); fires when the same author, or the same client address, has
  more than N texts within M minutes in the workspace, this one included, counted from the
  cases in the database (every process sees the same counts);
- ``language``: allowed language codes, one a line; fires when the text's language is known
  and is not among them (``en`` allows ``en-gb`` too).

``words`` and ``regex`` read the body, the author's name and website and the further links,
joined by line breaks; ``links`` counts the links in the body plus the further links the body
does not already hold (not the author's website).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import regex
from django.core.exceptions import ValidationError

from outlier.moderation.models import ACTION_RANK, Case, CaseState, Rule, RuleAction, RuleKind
from outlier.moderation.spam import _URL, Text

MAX_VALUE = 10_000  # characters of a rule's value
MAX_LINES = 500  # words, domains or languages in one rule
MAX_PHRASE = 200  # characters of one word or phrase
MAX_PATTERN = 500  # characters of a regex rule's pattern
MAX_LINKS = 1_000  # the largest N of a links rule
MAX_RATE_TEXTS = 10_000
MAX_RATE_MINUTES = 7 * 24 * 60  # a week
REGEX_TIMEOUT = 0.05  # seconds a pattern may search one text
PATTERN_BUDGET = 0.25  # seconds all the rules' patterns together may search one text
MAX_LINKS_READ = 1_000  # links counted in one text

_RATE = re.compile(r"(\d{1,9})\s*(?:per|/)\s*(\d{1,9})\s*(?:m|min|mins|minute|minutes)?", re.I)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")


def _refuse(message: str, field: str = "value") -> ValidationError:
    return ValidationError({field: message})


def _lines(value: str, what: str) -> list[str]:
    """The non-empty lines of `value`, each stripped, once each (case-insensitively)."""
    seen: dict[str, str] = {}
    for line in value.splitlines():
        item = " ".join(line.split())
        if item:
            seen.setdefault(item.casefold(), item)
    if len(seen) > MAX_LINES:
        raise _refuse(f"A rule holds at most {MAX_LINES} {what}; this one has {len(seen)}.")
    return list(seen.values())


def _domain(raw: str) -> str:
    """The normal form of one domain (lowercase, IDNA), or ValidationError."""
    item = raw.strip()
    if "://" in item:
        try:
            item = urlsplit(item).hostname or ""
        except ValueError:
            item = ""
    item = item.lower().removeprefix("*.").strip(".")
    try:
        ascii_form = item.encode("idna").decode("ascii") if item else ""
    except UnicodeError:
        ascii_form = ""
    labels = ascii_form.split(".")
    if (
        len(labels) < 2
        or len(ascii_form) > 253
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise _refuse(f"“{raw.strip()[:80]}” is not a domain name (like example.com).")
    return ascii_form


def _rate(value: str) -> tuple[int, int]:
    found = _RATE.fullmatch(value.strip())
    if found is None:
        raise _refuse("Write the rate as “N per M”: N texts per M minutes, as in “3 per 10”.")
    texts, minutes = int(found.group(1)), int(found.group(2))
    if texts < 1 or minutes < 1:
        raise _refuse("Both numbers of a rate must be positive integers, as in “3 per 10”.")
    if texts > MAX_RATE_TEXTS or minutes > MAX_RATE_MINUTES:
        raise _refuse(
            f"A rate counts at most {MAX_RATE_TEXTS} texts over at most {MAX_RATE_MINUTES} "
            "minutes (a week)."
        )
    return texts, minutes


def check_rule(kind: str, action: str, value: str) -> tuple[str, str, str]:
    """(kind, action, value) checked and normalised, or ValidationError saying what is wrong."""
    if kind not in RuleKind.values:
        raise _refuse(f"“{kind}” is not a kind of rule.", "kind")
    if action not in RuleAction.values:
        raise _refuse("The action must be block, hold or flag.", "action")
    value = value or ""
    if len(value) > MAX_VALUE:
        raise _refuse(f"The value is longer than {MAX_VALUE:,} characters.")
    if kind == RuleKind.WORDS:
        words = _lines(value, "words or phrases")
        if not words:
            raise _refuse("Give at least one word or phrase, one a line.")
        long = next((word for word in words if len(word) > MAX_PHRASE), None)
        if long is not None:
            raise _refuse(f"“{long[:40]}…” is longer than {MAX_PHRASE} characters.")
        return kind, action, "\n".join(words)
    if kind == RuleKind.REGEX:
        pattern = value.strip()
        if not pattern:
            raise _refuse("Give a pattern.")
        if "\n" in pattern:
            raise _refuse("Give one pattern, on one line.")
        if len(pattern) > MAX_PATTERN:
            raise _refuse(f"The pattern is longer than {MAX_PATTERN} characters.")
        try:
            compiled = regex.compile(pattern)
        except (regex.error, ValueError, OverflowError, RecursionError) as error:
            raise _refuse(f"The pattern does not compile: {error}.") from error
        try:
            empty = compiled.search("", timeout=REGEX_TIMEOUT) is not None
        except TimeoutError:
            empty = False
        if empty:
            raise _refuse("The pattern matches an empty text, so it would catch every text.")
        return kind, action, pattern
    if kind == RuleKind.LINKS:
        raw = value.strip()
        if not raw.isascii() or not raw.isdigit():
            raise _refuse("Give the number of links allowed as a whole number (0 or more).")
        if int(raw) > MAX_LINKS:
            raise _refuse(f"The number of links allowed is at most {MAX_LINKS}.")
        return kind, action, str(int(raw))
    if kind == RuleKind.DOMAIN:
        domains = list(dict.fromkeys(_domain(line) for line in _lines(value, "domains")))
        if not domains:
            raise _refuse("Give at least one domain, one a line.")
        return kind, action, "\n".join(domains)
    if kind == RuleKind.NEW_AUTHOR:
        if value.strip():
            raise _refuse("A new-author rule takes no value.")
        return kind, action, ""
    if kind == RuleKind.RATE:
        texts, minutes = _rate(value)
        return kind, action, f"{texts} per {minutes}"
    codes = []
    for line in _lines(value, "languages"):
        code = line.lower().replace("_", "-")
        if not _LANGUAGE.fullmatch(code):
            raise _refuse(f"“{line[:40]}” is not a language code (like en, fr or pt-br).")
        codes.append(code)
    if not codes:
        raise _refuse("Give at least one allowed language code, one a line.")
    return kind, action, "\n".join(dict.fromkeys(codes))


# --- matching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the rules read about one text being judged."""

    workspace_id: int
    text: Text
    language: str
    author_key: str
    address_key: str
    now: datetime


@dataclass(frozen=True)
class Verdict:
    """The rule that won (None: none fired), the phrase saying why, and notes (timeouts)."""

    rule: Rule | None
    phrase: str
    notes: tuple[str, ...] = ()


@lru_cache(maxsize=512)
def _words_pattern(value: str) -> Any:
    phrases = sorted(value.splitlines(), key=len, reverse=True)
    parts = [r"\s+".join(regex.escape(word) for word in phrase.split()) for phrase in phrases]
    return regex.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", regex.IGNORECASE)


@lru_cache(maxsize=512)
def _pattern(value: str) -> Any:
    return regex.compile(value)


def _haystack(text: Text) -> str:
    return "\n".join([text.body, text.author_name, text.author_url, *text.links])


def links_of(text: Text) -> list[str]:
    """The links of a text: those in its body, then its further links (not the website) that
    the body does not already hold (a suggestion's address written in its note counts once)."""
    found: list[str] = []
    for match in _URL.finditer(text.body):
        found.append(match.group(0))
        if len(found) >= MAX_LINKS_READ:
            return found
    in_body = set(found)
    found.extend(link for link in text.links if link.strip() and link.strip() not in in_body)
    return found[:MAX_LINKS_READ]


def host_of(url: str) -> str:
    """A link's host, lowercase and in IDNA form, or ""."""
    raw = url.strip()
    if "://" not in raw:
        raw = "http://" + raw
    try:
        host = (urlsplit(raw).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _fires(rule: Rule, facts: Facts, budget: list[float]) -> tuple[str | None, str | None]:
    """(the phrase saying why `rule` fires, or None; "timeout" when its search ran out of
    time). `budget` holds the seconds of searching left for this text, shared by its rules."""
    kind, value, text = rule.kind, rule.value, facts.text
    if kind in (RuleKind.WORDS, RuleKind.REGEX):
        compiled = _words_pattern(value) if kind == RuleKind.WORDS else _pattern(value)
        limit = min(REGEX_TIMEOUT, budget[0])
        started = time.monotonic()
        try:
            found = compiled.search(_haystack(text), timeout=limit)
        except TimeoutError:
            return None, "timeout"
        finally:
            budget[0] -= time.monotonic() - started
        if found is None:
            return None, None
        matched = " ".join(found.group(0).split())
        if len(matched) > 60:
            matched = matched[:59] + "…"
        if kind == RuleKind.REGEX:
            return f"the pattern {value[:60]} matched “{matched}”", None
        return f"the {'phrase' if ' ' in matched else 'word'} “{matched}”", None
    if kind == RuleKind.LINKS:
        allowed = int(value)
        if len(links_of(text)) <= allowed:
            return None, None
        return (
            "a link" if allowed == 0 else f"more than {_plural(allowed, 'link', 'links')}"
        ), None
    if kind == RuleKind.DOMAIN:
        domains = set(value.splitlines())
        for link in [*links_of(text), text.author_url]:
            labels = host_of(link).split(".") if link else []
            if any(".".join(labels[n:]) in domains for n in range(len(labels) - 1)):
                return f"a link to {'.'.join(labels)}", None
        return None, None
    if kind == RuleKind.NEW_AUTHOR:
        known = Case.objects.filter(
            workspace_id=facts.workspace_id,
            author_key=facts.author_key,
            state__in=(CaseState.ALLOWED, CaseState.APPROVED),
        ).exists()
        return (None if known else "a first text from a new author"), None
    if kind == RuleKind.RATE:
        texts, minutes = _rate(value)
        recent = Case.objects.filter(
            workspace_id=facts.workspace_id,
            created_at__gt=facts.now - timedelta(minutes=minutes),
            created_at__lte=facts.now,
        )
        window = f"{_plural(minutes, 'minute', 'minutes')}"
        many = f"more than {_plural(texts, 'text', 'texts')} in {window}"
        if recent.filter(author_key=facts.author_key).count() >= texts:
            return f"{many} from this author", None
        if facts.address_key and recent.filter(address_key=facts.address_key).count() >= texts:
            return f"{many} from this address", None
        return None, None
    if kind == RuleKind.LANGUAGE:
        language = facts.language
        codes = value.splitlines()
        if not language or language in codes or language.split("-")[0] in codes:
            return None, None
        return f"language “{language}” is not among {', '.join(codes)}", None
    return None, None


def _ids(rules: list[Rule]) -> str:
    many = len(rules) > 1
    return ("Rules " if many else "Rule ") + ", ".join(f"#{rule.pk}" for rule in rules)


def strictest(rules: Iterable[Rule], facts: Facts) -> Verdict:
    """The rule that fires with the strictest action (block > hold > flag), the first by id
    among equals. Rules are tried strictest first, so those that could not win are skipped.
    The notes say which rules could not be tried: a pattern out of time (counted as no
    match), the patterns' shared time spent, a value stored without `check_rule`."""
    ordered = sorted(rules, key=lambda rule: (-ACTION_RANK[RuleAction(rule.action)], rule.pk))
    budget = [PATTERN_BUDGET]
    timed_out: list[Rule] = []
    skipped: list[Rule] = []
    invalid: list[Rule] = []
    winner: Rule | None = None
    phrase: str | None = None
    for rule in ordered:
        if rule.kind in (RuleKind.WORDS, RuleKind.REGEX) and budget[0] <= 0:
            skipped.append(rule)
            continue
        try:
            phrase, note = _fires(rule, facts, budget)
        except (ValueError, ValidationError, regex.error):
            invalid.append(rule)
            continue
        if note:
            timed_out.append(rule)
        if phrase:
            winner = rule
            break
    notes = []
    if timed_out:
        ms = round(REGEX_TIMEOUT * 1000)
        one = len(timed_out) == 1
        notes.append(
            f"{_ids(timed_out)}: {'its pattern' if one else 'their patterns'} ran out of time "
            f"({ms} ms), counted as no match."
        )
    if skipped:
        notes.append(f"{_ids(skipped)}: not tried, the time for patterns ran out.")
    if invalid:
        notes.append(f"{_ids(invalid)}: not tried, the value is not valid.")
    return Verdict(winner, phrase or "", tuple(notes))
