"""The inbox's forms: the list's filters, a reply, a snooze, a rule, a saved reply."""

from __future__ import annotations

from typing import Any

from django import forms

from outlier.inbox import queries
from outlier.inbox.models import InteractionKind, Priority

VIEW_CHOICES = [("open", "Open"), ("done", "Done"), ("snoozed", "Snoozed"), ("all", "All"),
                ("hidden", "Hidden"), ("activity", "Activity (likes, reposts, follows)")]  # fmt: skip


class FilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    view = forms.ChoiceField(label="Show", choices=VIEW_CHOICES, required=False)
    channel = forms.TypedChoiceField(label="Channel", required=False, coerce=int, empty_value=None)
    network = forms.ChoiceField(label="Network", required=False)
    kind = forms.ChoiceField(label="Kind", required=False,
                             choices=[("", "Any"), *InteractionKind.choices])  # fmt: skip
    assignee = forms.ChoiceField(label="Assigned", required=False)
    tag = forms.ChoiceField(label="Tag", required=False)
    language = forms.CharField(label="Language", required=False, max_length=35,
                               widget=forms.TextInput(attrs={"placeholder": "en", "size": 4}))  # fmt: skip

    def __init__(self, data: Any, *, workspace_id: int, members: list[tuple[str, str]]) -> None:
        super().__init__(data)
        choices = queries.filter_choices(workspace_id)
        self.fields["channel"].choices = [("", "Any"), *choices["channels"]]  # type: ignore[attr-defined]
        self.fields["network"].choices = [("", "Any"), *choices["networks"]]  # type: ignore[attr-defined]
        self.fields["tag"].choices = [("", "Any"), *choices["tags"]]  # type: ignore[attr-defined]
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Nobody"),
            *members,
        ]

    def filters(self) -> queries.Filters:
        if not self.is_bound or not self.is_valid():
            return queries.Filters()
        data = self.cleaned_data
        return queries.Filters(
            view=data["view"] or "open", channel=data["channel"], network=data["network"],
            kind=data["kind"], assignee=data["assignee"], tag=data["tag"],
            language=data["language"].strip(), q=data["q"].strip(),
        )  # fmt: skip


class ReplyForm(forms.Form):
    text = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=20000)  # fmt: skip
    seen = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, label="Send mine too",
                                 widget=forms.HiddenInput)  # fmt: skip
    done = forms.BooleanField(required=False, label="Mark done when sent")


class SnoozeForm(forms.Form):
    until = forms.DateTimeField(label="Snooze until (UTC)",
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


class RuleForm(forms.Form):
    name = forms.CharField(max_length=120)
    words = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text="Any of these words or phrases, one per line or comma-separated")  # fmt: skip
    regex = forms.CharField(label="Regular expression", required=False, max_length=500)
    authors = forms.CharField(label="Authors (a VIP list)", required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="Handles or ids: @ana@example.org, ana.bsky.social")  # fmt: skip
    networks = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    channels = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    kinds = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=[c for c in InteractionKind.choices
                                               if c[0] in ("reply", "mention", "quote", "message")])  # fmt: skip
    languages = forms.CharField(required=False, help_text="Language tags: en, pt-BR")
    min_followers = forms.IntegerField(label="Author has at least this many followers",
                                       required=False, min_value=0)  # fmt: skip
    tags = forms.CharField(label="Then tag with", required=False)
    assign = forms.ChoiceField(label="Then assign to", required=False)
    priority = forms.TypedChoiceField(label="Then set priority", required=False, coerce=int,
                                      empty_value=None,
                                      choices=[("", "Leave it"), *Priority.choices])  # fmt: skip
    done = forms.BooleanField(label="Then mark done", required=False)
    hide = forms.BooleanField(label="Then hide", required=False)
    stop = forms.BooleanField(label="Stop: no later rule runs on an item this one matched",
                              required=False)  # fmt: skip
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, workspace_id: int, members: list[tuple[str, str]],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        choices = queries.filter_choices(workspace_id)
        self.fields["networks"].choices = choices["networks"]  # type: ignore[attr-defined]
        self.fields["channels"].choices = choices["channels"]  # type: ignore[attr-defined]
        self.fields["assign"].choices = [("", "Nobody"), *members]  # type: ignore[attr-defined]

    def conditions(self) -> dict[str, Any]:
        data = self.cleaned_data
        found: dict[str, Any] = {
            "words": _lines(data["words"]), "regex": data["regex"].strip(),
            "authors": _lines(data["authors"]), "networks": data["networks"],
            "channels": [int(c) for c in data["channels"]], "kinds": data["kinds"],
            "languages": _lines(data["languages"]), "min_followers": data["min_followers"],
        }  # fmt: skip
        return {key: value for key, value in found.items() if value not in ("", [], None)}

    def actions(self) -> dict[str, Any]:
        data = self.cleaned_data
        found: dict[str, Any] = {"tags": _lines(data["tags"]), "assign": data["assign"] or None,
                                 "priority": data["priority"], "done": data["done"],
                                 "hide": data["hide"]}  # fmt: skip
        return {key: value for key, value in found.items() if value not in ("", [], None, False)}

    @staticmethod
    def initial_for(rule: Any) -> dict[str, Any]:
        c, a = rule.conditions, rule.actions
        return {
            "name": rule.name, "words": "\n".join(c.get("words", [])),
            "regex": c.get("regex", ""), "authors": "\n".join(c.get("authors", [])),
            "networks": c.get("networks", []),
            "channels": [str(x) for x in c.get("channels", [])], "kinds": c.get("kinds", []),
            "languages": ", ".join(c.get("languages", [])),
            "min_followers": c.get("min_followers"), "tags": ", ".join(a.get("tags", [])),
            "assign": a.get("assign") or "", "priority": a.get("priority"),
            "done": a.get("done", False), "hide": a.get("hide", False), "stop": rule.stop,
            "enabled": rule.enabled,
        }  # fmt: skip


class SavedReplyForm(forms.Form):
    name = forms.CharField(max_length=80)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                           help_text="{name}, {first_name}, {handle}, {channel} and {me} are "
                                     "filled in for each item")  # fmt: skip
