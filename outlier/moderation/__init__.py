"""Moderation (issue 14): judges any text a workspace receives and keeps the decisions on it.

- `judging.judge` — the call the apps above make for each comment, inbox item or visitor's
  suggestion; they show the text when the returned case is `visible`;
- `keys` — the author and address keys judge takes (salted HMACs, never the raw values);
- `rules` — what each kind of rule means, `check_rule`, and which rule fires;
- `spam` — the spam model itself (no Django); `learning` — each workspace's copy of it;
- `actions` — moderators' writes (decide, undo, block, rules); `queries` — the reads;
- `models` — Rule, Case, BlockedAuthor, SpamState, AuditEntry (append-only); `audit`;
- `views`, `forms`, `templates/moderation/`, `static/moderation/` — the review queue, rules,
  blocked authors and audit log pages (under /app/<workspace>/moderation/);
- `context` — the waiting count in the navigation; `alerts` — the worker job that e-mails
  editors about texts waiting more than 4 hours.
"""
