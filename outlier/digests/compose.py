"""The e-mails of digests: the confirmation e-mail and the digest itself.

A digest is multipart/alternative, plain text and HTML, from the templates
`digests/digest_email.txt` and `.html`. The HTML is rendered with autoescaping (a hostile
title or excerpt shows as text), and the curator's insight is the sanitized HTML of its
Markdown (`core.markup`) with its links reduced to their text, so that every link in a digest
is a tracked one. Headers:

- `Message-ID`: from the digest's idempotency key, the same on every attempt;
- `List-Unsubscribe: <https://…/digests/unsubscribe/TOKEN/>` and, for an https base URL,
  `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058 allows one-click for https
  only, so a plain-http development server gets the first alone);
- `List-Id`, so that mail programs can file and filter a topic's digests.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import formataddr, parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from outlier.core.markup import ALLOWED_TAGS, render_plain_text, sanitize_html
from outlier.curation.models import Scoop, Topic
from outlier.digests import tokens
from outlier.digests.models import DigestSend, Subscription
from outlier.networks.email.message import message_id, unsubscribe_headers

INSIGHT_TAGS = ALLOWED_TAGS - {"a"}
SUBJECT_TITLE = 90  # characters of the first title in the subject


def _line(text: str) -> str:
    return " ".join(text.split())


def sender(topic: Topic) -> str:
    """The topic's name before the operator's sender address."""
    name, address = parseaddr(str(settings.DEFAULT_FROM_EMAIL))
    return formataddr((_line(topic.name) or name, address))


def unsubscribe_url(subscription: Subscription) -> str:
    path = reverse("digests_public:unsubscribe", args=[tokens.unsubscribe_token(subscription)])
    return f"{settings.BASE_URL}{path}"


def list_id(topic: Topic) -> str:
    host = urlsplit(settings.BASE_URL).hostname or "outlier"
    return f"{_line(topic.name)} <{topic.slug}.digests.{host}>"


def subject_for(topic: Topic, scoops: Sequence[Scoop]) -> str:
    first = _line(scoops[0].title) or "New article"
    if len(first) > SUBJECT_TITLE:
        first = first[:SUBJECT_TITLE].rsplit(" ", 1)[0] + "…"
    more = len(scoops) - 1
    tail = f" (and {more} more)" if more else ""
    return f"{_line(topic.name)}: {first}{tail}"


def _item(scoop: Scoop, url: str) -> dict[str, Any]:
    return {
        "title": _line(scoop.title) or scoop.display_site or "Untitled",
        "excerpt": scoop.excerpt.strip(),
        "site": scoop.display_site,
        "url": url,
        "insight_text": render_plain_text(scoop.insight) if scoop.insight.strip() else "",
        # Sanitized again here, links reduced to their text (every link is a tracked one).
        "insight_html": mark_safe(sanitize_html(scoop.insight_html, tags=INSIGHT_TAGS)),  # noqa: S308
    }


def digest_message(subscription: Subscription, send: DigestSend, scoops: Sequence[Scoop],
                   links: dict[int, str], connection: Any = None) -> EmailMultiAlternatives:  # fmt: skip
    topic = subscription.topic
    unsubscribe = unsubscribe_url(subscription)
    context = {
        "topic": topic, "items": [_item(s, links.get(s.pk, "")) for s in scoops],
        "unsubscribe_url": unsubscribe, "schedule": subscription.schedule_label,
        "host": urlsplit(settings.BASE_URL).hostname or "",
    }  # fmt: skip
    message = EmailMultiAlternatives(
        subject=subject_for(topic, scoops),
        body=render_to_string("digests/digest_email.txt", context),
        from_email=sender(topic),
        to=[subscription.email],
        connection=connection,
        headers={
            "Message-ID": message_id(send.idempotency_key),
            "List-Id": list_id(topic),
            **unsubscribe_headers(unsubscribe),
        },
    )
    message.attach_alternative(render_to_string("digests/digest_email.html", context), "text/html")
    return message


def confirmation_message(subscription: Subscription, token: str,
                         connection: Any = None) -> EmailMultiAlternatives:  # fmt: skip
    topic = subscription.topic
    path = reverse("digests_public:confirm", args=[token])
    context = {"topic": topic, "confirm_url": f"{settings.BASE_URL}{path}",
               "schedule": subscription.schedule_label, "days": tokens.CONFIRM_DAYS,
               "host": urlsplit(settings.BASE_URL).hostname or ""}  # fmt: skip
    message = EmailMultiAlternatives(
        subject=f"Confirm your subscription to {_line(topic.name)}",
        body=render_to_string("digests/confirm_email.txt", context),
        from_email=sender(topic),
        to=[subscription.email],
        connection=connection,
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("digests/confirm_email.html", context),
                               "text/html")  # fmt: skip
    return message
