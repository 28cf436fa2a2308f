"""Inbox rules: conditions on a new item, actions on it, run in order on arrival.

A rule's `conditions` (every one given must hold; an empty rule matches everything):

- `words`: any of these words or phrases appears in the text (case- and accent-blind, whole
  words);
- `regex`: the text matches this regular expression (checked when saved; run with a time
  limit, so a pattern that backtracks without end cannot stall the inbox);
- `authors`: the author is one of these handles or ids (a VIP list: "@ana@example.org",
  "ana.bsky.social", a DID);
- `networks`, `channels` (ids), `kinds`, `languages` (tags; "en" also matches "en-GB");
- `min_followers`: the author has at least this many followers (only where the network tells:
  an item whose author's count is unknown does not match).

Its `actions`: `tags` (names, created as needed), `assign` (a member's user id), `priority`
(-1…2), `done` and `hide` (true). With `stop`, no later rule runs on an item it matched.
Every action a rule takes is recorded on the item as an InboxEvent naming the rule.

`check_rule` validates what a person typed; `trial` runs a rule, unsaved, over the last 30
days of items and says which it would have matched, without changing any.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import regex
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from outlier.core.actions import check_role
from outlier.core.models import Membership, Role
from outlier.inbox.models import (
    InboxEvent,
    InboxRule,
    InboxTag,
    Interaction,
    InteractionKind,
    ItemState,
    Priority,
)
from outlier.publishing.models import Channel

TRIAL_DAYS = 30
TRIAL_LIMIT = 20_000  # items looked at by a trial, newest first
REGEX_TIMEOUT = 0.05  # seconds per item
MAX_LIST = 200
CONDITIONS = ("words", "regex", "authors", "networks", "channels", "kinds", "languages",
              "min_followers")  # fmt: skip
ACTIONS = ("tags", "assign", "priority", "done", "hide")


def fold(text: str) -> str:
    """Lower case without accents: what word conditions compare."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _strings(value: Any, name: str, limit: int = 200) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part for part in value.replace("\n", ",").split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ValidationError({name: "Give a list of values, or one per line."})
    items = [str(v).strip() for v in value if str(v).strip()]
    if len(items) > MAX_LIST:
        raise ValidationError({name: f"At most {MAX_LIST} values."})
    if any(len(v) > limit for v in items):
        raise ValidationError({name: f"Each value has at most {limit} characters."})
    return items


@dataclass(frozen=True)
class Compiled:
    """A rule ready to test items quickly: words as one pattern, lists as sets."""

    rule: InboxRule | None
    words: regex.Pattern[str] | None = None
    pattern: regex.Pattern[str] | None = None
    authors: frozenset[str] = frozenset()
    networks: frozenset[str] = frozenset()
    channels: frozenset[int] = frozenset()
    kinds: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ()
    min_followers: int | None = None
    actions: Mapping[str, Any] = field(default_factory=dict)
    stop: bool = False

    def matches(self, item: Interaction, network: str) -> bool:
        if self.kinds and item.kind not in self.kinds:
            return False
        if self.networks and network not in self.networks:
            return False
        if self.channels and item.channel_id not in self.channels:
            return False
        if self.languages and not any(
            item.language.lower() == lang or item.language.lower().startswith(lang + "-")
            for lang in self.languages
        ):
            return False
        if self.min_followers is not None and (
            item.author_followers is None or item.author_followers < self.min_followers
        ):
            return False
        if self.authors and not ({_author_key(item.author_handle), item.author_id.lower()}
                                 & self.authors):  # fmt: skip
            return False
        if self.words is not None and not self.words.search(fold(item.text)):
            return False
        if self.pattern is not None:
            try:
                if not self.pattern.search(item.text, timeout=REGEX_TIMEOUT):
                    return False
            except TimeoutError:
                return False
        return True


def _author_key(handle: str) -> str:
    return handle.strip().lower().lstrip("@")


def compile_rule(conditions: Mapping[str, Any], actions: Mapping[str, Any], stop: bool,
                 rule: InboxRule | None = None) -> Compiled:  # fmt: skip
    """Conditions and actions as a person gave them, checked (ValidationError per field)."""
    unknown = set(conditions) - set(CONDITIONS)
    if unknown:
        raise ValidationError({"conditions": f"Unknown condition: {', '.join(sorted(unknown))}."})
    unknown = set(actions) - set(ACTIONS)
    if unknown:
        raise ValidationError({"actions": f"Unknown action: {', '.join(sorted(unknown))}."})
    words = [fold(w) for w in _strings(conditions.get("words"), "words")]
    word_pattern = None
    if words:
        alternatives = "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True))
        word_pattern = regex.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    raw = conditions.get("regex") or ""
    if not isinstance(raw, str) or len(raw) > 500:
        raise ValidationError({"regex": "A regular expression of at most 500 characters."})
    pattern = None
    if raw.strip():
        try:
            pattern = regex.compile(raw, regex.IGNORECASE | regex.V0)
        except regex.error as exc:
            raise ValidationError(
                {"regex": f"This regular expression is not valid: {exc}."}
            ) from exc
    kinds = set(_strings(conditions.get("kinds"), "kinds"))
    bad = kinds - set(InteractionKind.values)
    if bad:
        raise ValidationError({"kinds": f"Unknown kind: {', '.join(sorted(bad))}."})
    try:
        channels = frozenset(int(c) for c in _strings(conditions.get("channels"), "channels"))
    except ValueError as exc:
        raise ValidationError({"channels": "Channels are given by their ids."}) from exc
    followers: Any = conditions.get("min_followers")
    if followers is None or followers == "":
        min_followers = None
    else:
        try:
            min_followers = int(followers)
        except (TypeError, ValueError) as exc:
            raise ValidationError({"min_followers": "A whole number of followers."}) from exc
        if min_followers < 0:
            raise ValidationError({"min_followers": "A whole number of followers, 0 or more."})
    return Compiled(
        rule=rule, words=word_pattern, pattern=pattern,
        authors=frozenset(_author_key(a) for a in _strings(conditions.get("authors"), "authors")),
        networks=frozenset(n.lower() for n in _strings(conditions.get("networks"), "networks")),
        channels=channels, kinds=frozenset(kinds),
        languages=tuple(lang.lower() for lang in _strings(conditions.get("languages"), "languages")),
        min_followers=min_followers, actions=_check_actions(actions), stop=bool(stop),
    )  # fmt: skip


def _check_actions(actions: Mapping[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    tags = _strings(actions.get("tags"), "tags", limit=50)
    if tags:
        checked["tags"] = tags
    if actions.get("assign") not in (None, ""):
        try:
            checked["assign"] = int(actions["assign"])
        except (TypeError, ValueError) as exc:
            raise ValidationError({"assign": "Assign to a member of the workspace."}) from exc
    if actions.get("priority") not in (None, ""):
        try:
            priority = int(actions["priority"])
        except (TypeError, ValueError) as exc:
            raise ValidationError({"priority": "A priority from -1 (low) to 2 (urgent)."}) from exc
        if priority not in Priority.values:
            raise ValidationError({"priority": "A priority from -1 (low) to 2 (urgent)."})
        checked["priority"] = priority
    for flag in ("done", "hide"):
        if actions.get(flag) is True or actions.get(flag) in ("on", "true", "1"):
            checked[flag] = True
    return checked


def check_rule(member: Membership, conditions: Mapping[str, Any], actions: Mapping[str, Any],
               stop: bool) -> Compiled:  # fmt: skip
    """A rule as typed, checked against the member's workspace (the assignee a member, the
    channels its own); ValidationError otherwise."""
    compiled = compile_rule(conditions, actions, stop)
    workspace = member.workspace
    assignee = compiled.actions.get("assign")
    if (
        assignee is not None
        and not Membership.objects.filter(workspace=workspace, user_id=assignee).exists()
    ):
        raise ValidationError({"assign": "Assign to a member of this workspace."})
    if compiled.channels:
        own = set(workspace.channels.filter(pk__in=compiled.channels).values_list("pk", flat=True))
        if own != set(compiled.channels):
            raise ValidationError({"channels": "Choose channels of this workspace."})
    if not compiled.actions:
        raise ValidationError({"actions": "Give the rule at least one action."})
    return compiled


def workspace_rules(workspace_id: int) -> list[Compiled]:
    """The workspace's enabled rules, in order; a stored rule that no longer checks (a
    member left) is skipped, not fatal."""
    compiled = []
    for rule in InboxRule.objects.filter(workspace_id=workspace_id, enabled=True):
        try:
            compiled.append(compile_rule(rule.conditions, rule.actions, rule.stop, rule))
        except ValidationError:
            continue
    return compiled


def _networks(items: Iterable[Interaction]) -> dict[int, str]:
    ids = {item.channel_id for item in items}
    return dict(Channel.objects.filter(pk__in=ids).values_list("pk", "network"))


def apply_on_arrival(workspace_id: int, items: Sequence[Interaction]) -> int:
    """Run the workspace's rules on new items; returns how many actions were taken."""
    compiled = workspace_rules(workspace_id)
    if not compiled or not items:
        return 0
    networks = _networks(items)
    taken = 0
    with transaction.atomic():
        for item in items:
            for rule in compiled:
                if not rule.matches(item, networks.get(item.channel_id, "")):
                    continue
                taken += _apply(rule, item)
                if rule.stop:
                    break
    return taken


def _apply(rule: Compiled, item: Interaction) -> int:
    actions = rule.actions
    now = timezone.now()
    events: list[tuple[str, str]] = []
    changed: dict[str, Any] = {}
    for name in actions.get("tags", []):
        tag = InboxTag.objects.filter(workspace_id=item.workspace_id, name__iexact=name).first()
        if tag is None:
            tag = InboxTag.objects.create(workspace_id=item.workspace_id, name=name)
        item.tags.add(tag)
        events.append(("tag", tag.name))
    if (
        "assign" in actions
        and Membership.objects.filter(
            workspace_id=item.workspace_id, user_id=actions["assign"]
        ).exists()
    ):
        changed["assignee_id"] = actions["assign"]
        events.append(("assign", f"user {actions['assign']}"))
    if "priority" in actions:
        changed["priority"] = actions["priority"]
        events.append(("priority", Priority(actions["priority"]).label))
    if actions.get("done"):
        changed.update(state=ItemState.DONE, done_at=now)
        events.append(("done", ""))
    if actions.get("hide"):
        changed["hidden"] = True
        events.append(("hide", ""))
    if changed:
        Interaction.objects.filter(pk=item.pk).update(**changed)
        for name, value in changed.items():
            setattr(item, name, value)
    name = rule.rule.name if rule.rule else "rule"
    InboxEvent.objects.bulk_create(
        InboxEvent(
            interaction=item,
            rule=rule.rule,
            action=action,
            detail=f"{detail} (rule “{name}”)".strip()[:500],
        )  # fmt: skip
        for action, detail in events
    )
    return len(events)


@dataclass(frozen=True)
class Trial:
    looked_at: int
    matched: list[Interaction]
    total_matched: int


def trial(member: Membership, compiled: Compiled, limit: int = 50) -> Trial:
    """Which of the last 30 days' items the rule would have matched (nothing is changed)."""
    since = timezone.now() - timedelta(days=TRIAL_DAYS)
    items = list(
        Interaction.objects.filter(
            workspace=member.workspace, is_work=True, created_at__gte=since
        ).order_by("-created_at", "-pk")[:TRIAL_LIMIT]
    )
    networks = _networks(items)
    matched = [item for item in items if compiled.matches(item, networks.get(item.channel_id, ""))]
    return Trial(looked_at=len(items), matched=matched[:limit], total_matched=len(matched))


# --- writes -------------------------------------------------------------------------------


def access_rule(member: Membership, rule_id: int) -> InboxRule:
    rule = InboxRule.objects.filter(pk=rule_id, workspace=member.workspace).first()
    if rule is None:
        raise Http404("No such rule in this workspace.")
    return rule


def do_save_rule(member: Membership, name: str, conditions: Mapping[str, Any],
                 actions: Mapping[str, Any], *, stop: bool = False, enabled: bool = True,
                 rule: InboxRule | None = None) -> InboxRule:  # fmt: skip
    """Create or change a rule (editors and owners); a new one goes last."""
    check_role(member, Role.EDITOR)
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise ValidationError({"name": "Name the rule in at most 120 characters."})
    compiled = check_rule(member, conditions, actions, stop)
    stored_conditions = {k: v for k, v in dict(conditions).items() if v not in ("", [], None)}
    if rule is None:
        last = InboxRule.objects.filter(workspace=member.workspace).order_by("-position").first()
        rule = InboxRule(workspace=member.workspace, created_by=member.user,
                         position=(last.position + 1) if last else 0)  # fmt: skip
    rule.name, rule.conditions, rule.actions = name, stored_conditions, dict(compiled.actions)
    rule.stop, rule.enabled = bool(stop), bool(enabled)
    rule.save()
    return rule


def do_delete_rule(member: Membership, rule: InboxRule) -> None:
    check_role(member, Role.EDITOR)
    rule.delete()


def do_move_rule(member: Membership, rule: InboxRule, step: int) -> None:
    """Move a rule one place up (step -1) or down (+1) in the order rules run."""
    check_role(member, Role.EDITOR)
    ordered = list(InboxRule.objects.filter(workspace=member.workspace))
    index = next(i for i, r in enumerate(ordered) if r.pk == rule.pk)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    with transaction.atomic():
        for position, row in enumerate(ordered):
            if row.position != position:
                InboxRule.objects.filter(pk=row.pk).update(position=position)
