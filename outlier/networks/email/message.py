"""The e-mail a post becomes: plain text, a simple HTML alternative, images inline.

Structure: multipart/related [ multipart/alternative [ text/plain, text/html ], image, ... ];
the HTML shows each image by its Content-ID with its alt text, the plain text names them.
The Message-ID is derived from the delivery's idempotency key (`message_id`), so a receiver
(or a mailing list) seeing the same post twice can tell it is the same message. Each
recipient gets a copy of their own (To: that recipient alone, the same Message-ID), with a
`List-Unsubscribe` header (RFC 2369; see `unsubscribe_headers`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from typing import Any
from urllib.parse import quote, urlsplit

from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, linebreaks

from outlier.networks.base import Content, Image

__all__ = [
    "build_message",
    "mailto_unsubscribe",
    "message_id",
    "subject_for",
    "unsubscribe_headers",
]

# RFC 5322 dot-atom-text, the left part of a msg-id.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_SAFE_FILENAME = re.compile(r"[^\w.\- ]+")
_SUBJECT_FROM_TEXT = 80  # characters of the text's first line used when there is no title


def message_id(idempotency_key: str) -> str:
    """ "<key@outlier>", or a hash of the key when it cannot stand in a Message-ID as it is."""
    key = idempotency_key.strip()
    if not (_DOT_ATOM.fullmatch(key) and len(key) <= 200):
        key = "k" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    return f"<{key}@outlier>"


def subject_for(content: Content, prefix: str = "") -> str:
    """The title, else the start of the text's first line, after the prefix; on one line."""
    title = " ".join(content.title.split())
    if not title:
        first_line = next((line for line in content.text.splitlines() if line.strip()), "")
        title = " ".join(first_line.split())
        if len(title) > _SUBJECT_FROM_TEXT:
            cut = title[:_SUBJECT_FROM_TEXT].rsplit(" ", 1)[0] or title[:_SUBJECT_FROM_TEXT]
            title = cut.rstrip(",.;:") + "…"
    title = title or "New post"
    prefix = " ".join(prefix.split())
    return f"{prefix} {title}" if prefix else title


def mailto_unsubscribe(address: str) -> str:
    """A mailto: URI asking `address` (the sender) to unsubscribe: "mailto:…?subject=unsubscribe"."""
    return f"mailto:{quote(address.strip(), safe='@+')}?subject=unsubscribe"


def unsubscribe_headers(target: str) -> dict[str, str]:
    """`List-Unsubscribe` for `target` (an https:, http: or mailto: URI, already checked).

    An https address also gets `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058:
    mail programs then unsubscribe with one POST, no page to fill in). RFC 8058 allows it for
    HTTPS only, so a plain http address is offered without it.
    """
    target = target.strip()
    if not target:
        return {}
    headers = {"List-Unsubscribe": f"<{target}>"}
    if urlsplit(target).scheme.lower() == "https":
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _is_web_address(link: str) -> bool:
    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _filename(image: Image, index: int) -> str:
    name = _SAFE_FILENAME.sub("_", image.filename).strip(" ._") or "image"
    extension = image.content_type.partition("/")[2].replace("jpeg", "jpg")
    if "." not in name and extension.isalnum():
        name = f"{name}.{extension}"
    return f"{index}-{name}"[:100]


def _part(image: Image, index: int, content_id: str) -> MIMEBase:
    maintype, _, subtype = image.content_type.strip().lower().partition("/")
    part: MIMEBase
    if maintype == "image" and subtype.replace("-", "").replace(".", "").isalnum():
        part = MIMEImage(image.data, _subtype=subtype)
    else:
        part = MIMEApplication(image.data)
    part.add_header("Content-ID", f"<{content_id}>")
    part.add_header("Content-Disposition", "inline", filename=_filename(image, index))
    return part


def build_message(
    content: Content,
    *,
    idempotency_key: str,
    from_address: str,
    recipients: Sequence[str],
    subject_prefix: str = "",
    unsubscribe: str = "",
    connection: Any = None,
) -> EmailMultiAlternatives:
    """The message for `content`, ready to send through `connection`.

    The adapter sends one copy per recipient: it passes one address in `recipients` and
    changes the message's `to` for each next one (the parts are built once)."""
    msg_id = message_id(idempotency_key)
    id_right = msg_id[1:-1]  # "key@outlier"
    link = content.link.strip()
    text_parts = [content.text.strip()] if content.text.strip() else []
    html_parts = [linebreaks(content.text.strip(), autoescape=True)] if text_parts else []
    if link:
        text_parts.append(link)
        if _is_web_address(link):
            label = escape(content.title.strip() or link)
            html_parts.append(f'<p><a href="{escape(link)}">{label}</a></p>')
        else:
            html_parts.append(f"<p>{escape(link)}</p>")
    parts: list[MIMEBase] = []
    for index, image in enumerate(content.images, start=1):
        content_id = f"image{index}.{id_right}"
        parts.append(_part(image, index, content_id))
        alt = image.alt.strip()
        text_parts.append(f"[Image {index}" + (f": {alt}]" if alt else "]"))
        html_parts.append(
            f'<p><img src="cid:{escape(content_id)}" alt="{escape(alt)}" '
            'style="max-width:100%;height:auto"></p>'
        )
    html = (
        '<!doctype html>\n<html><head><meta charset="utf-8"></head>\n<body>\n'
        + "\n".join(html_parts)
        + "\n</body></html>\n"
    )
    message = EmailMultiAlternatives(
        subject=subject_for(content, subject_prefix),
        body="\n\n".join(text_parts) + "\n",
        from_email=from_address,
        to=list(recipients),
        connection=connection,
        headers={
            "Message-ID": msg_id,
            "X-Outlier-Id": idempotency_key[:200],
            **unsubscribe_headers(unsubscribe),
        },
    )
    message.attach_alternative(html, "text/html")
    if parts:
        message.mixed_subtype = "related"
        for part in parts:
            message.attach(part)
    return message
