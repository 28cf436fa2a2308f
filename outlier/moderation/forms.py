"""The rules page's form, and what each kind of rule's value means (shown beside the form).
The checks are `rules.check_rule`'s: the form only carries the fields."""

from __future__ import annotations

from typing import Any

from django import forms

from outlier.moderation.models import Rule, RuleAction, RuleKind

KIND_HELP: dict[str, str] = {
    RuleKind.WORDS: "One word or phrase a line; matched as whole words, in any case (a "
    "phrase's spaces match any run of spaces). Reads the text, the author's name and website "
    "and its links.",
    RuleKind.REGEX: "One pattern (a regular expression) on one line, searched in the text, the "
    "author's name and website and its links. A search that takes too long counts as no "
    "match, and the case's reason says so.",
    RuleKind.LINKS: "A whole number N: fires on a text with more than N links (0: any link). "
    "The author's website does not count.",
    RuleKind.DOMAIN: "One domain a line, such as example.com: fires on a link to it or to any "
    "address under it (spam.example.com), or when the author's website is there.",
    RuleKind.NEW_AUTHOR: "No value: fires on an author's texts until one of them was allowed "
    "or approved.",
    RuleKind.RATE: "“N per M”: fires when one author, or one client address, sent more than N "
    "texts in M minutes, as in “3 per 10”.",
    RuleKind.LANGUAGE: "The allowed language codes, one a line (en, fr, pt-br): fires on a "
    "text whose language is known and not among them (en allows en-gb too).",
}

ACTION_HELP: dict[str, str] = {
    RuleAction.BLOCK: "the text is never shown",
    RuleAction.HOLD: "the text waits in the queue until someone approves it",
    RuleAction.FLAG: "the text is shown, and waits in the queue for a look",
}


class RuleForm(forms.Form):
    kind = forms.ChoiceField(choices=RuleKind.choices)
    action = forms.ChoiceField(
        choices=RuleAction.choices,
        help_text="Block: never shown. Hold: shown once approved. Flag: shown, and queued for a "
        "look. When several rules fire, the strictest wins.",
    )
    value = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What it means depends on the kind: see “What the value means” below.",
    )
    enabled = forms.BooleanField(required=False, initial=True, label="On")

    @staticmethod
    def initial_for(rule: Rule) -> dict[str, Any]:
        return {"kind": rule.kind, "action": rule.action, "value": rule.value,
                "enabled": rule.enabled}  # fmt: skip
