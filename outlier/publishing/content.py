"""From a post's rows to what an adapter receives, and the rules check per channel.

The check (`validate_for`, and `draft_problems` for the CSV import before a post exists) and
the composer's thread preview (`thread_for`) count the text as it will go out: the post's link
replaced, where tracking is on, by a stand-in of the tracked link's length. On a network with
threads (Bluesky) the text is cut into posts by `outlier.networks.threads`, as its adapter
will cut it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from outlier.core import safe_http
from outlier.core.write_lock import atomic_write
from outlier.links import codes
from outlier.links.actions import do_create_link, link_url
from outlier.links.models import LinkMedium
from outlier.links.targets import check_target
from outlier.networks import counting, registry, threads
from outlier.networks.base import Adapter, Content, Image, Media, Problem, Rules
from outlier.publishing.models import Channel, Delivery, Post, PostMedia

logger = logging.getLogger(__name__)


def adapter_class(network: str) -> type[Adapter]:
    return registry.get_adapter(network)


def adapter_for(channel: Channel) -> Adapter:
    return adapter_class(channel.network)(channel.adapter_config())


def rules_for(channel: Channel) -> Rules | None:
    """The limits this channel's posts are checked against (an instance may announce its
    own); None for a network Outlier does not know."""
    if channel.network in registry.ADAPTERS:
        return adapter_for(channel).channel_rules()
    return registry.RULES.get(channel.network)


def text_for(post: Post, channel: Channel) -> str:
    variant = next((v for v in post.variants.all() if v.channel_id == channel.pk), None)
    return variant.text if variant is not None else post.text


def _images(post: Post, channel: Channel, fit: bool) -> tuple[Image, ...]:
    rules = rules_for(channel) or adapter_class(channel.network).rules
    images = []
    for image in post.images.all():
        with image.file.open("rb") as handle:
            data = handle.read()
        content_type = "image/" + (
            image.file.name.rsplit(".", 1)[-1].lower().replace("jpg", "jpeg")
        )
        if fit:
            data, content_type = counting.fit_image(data, rules)
        images.append(Image(data=data, content_type=content_type, alt=image.alt,
                            filename=image.file.name.rsplit("/", 1)[-1]))  # fmt: skip
    return tuple(images)


def media_for(post: Post, *, load: bool) -> Media | None:
    """The post's video or audio file; its bytes read only when `load` (to publish): the
    rules need its kind, type and size alone."""
    found = PostMedia.objects.filter(post=post).first() if post.pk else None
    if found is None:
        return None
    data = b""
    if load:
        with found.file.open("rb") as handle:
            data = handle.read()
    return Media(kind=found.kind, content_type=found.content_type, size=found.size, data=data,
                 description=found.description,
                 filename=found.file.name.rsplit("/", 1)[-1])  # fmt: skip


LINK_IMAGE_MAX_BYTES = 5 * 1024 * 1024


def _link_image(post: Post, channel: Channel) -> Image | None:
    """The scoop's picture for the link card, fetched safely and fitted to the network.

    Only networks that draw link cards get one (those with "link_card" in `capabilities`); a
    picture that cannot be fetched or read leaves a card without a picture, not a failed post.
    """
    scoop = post.scoop
    adapter = adapter_class(channel.network)
    if scoop is None or not scoop.image_url or "link_card" not in adapter.capabilities:
        return None
    try:
        response = safe_http.fetch(scoop.image_url, max_bytes=LINK_IMAGE_MAX_BYTES, deadline=10,
                                   accept="image/*")  # fmt: skip
        if not response.ok:
            return None
        data, content_type = counting.fit_image(response.body, adapter.rules)
    except (safe_http.FetchError, ValueError):
        return None
    return Image(data=data, content_type=content_type, alt=scoop.title)


def _trackable_link(link: str, tracking: bool) -> str:
    """The link as a tracked link would store it, or "" when it goes out as it is (no link,
    tracking turned off, or not an address a tracked link accepts)."""
    if not tracking or not link.strip():
        return ""
    try:
        return check_target(link.strip())
    except ValidationError:
        return ""


def _trackable(post: Post) -> str:
    return _trackable_link(post.link, post.tracking)


def _medium(channel: Channel) -> tuple[str, str]:
    """(medium, utm_source) of the links a channel publishes."""
    if channel.network == "email":
        return LinkMedium.EMAIL, "email"
    return LinkMedium.SOCIAL, channel.network


def tracked_url(post: Post, channel: Channel, delivery: Delivery | None = None) -> str:
    """The post's link as it goes out on `channel`: `/l/<code>` (UTM for the channel's
    network and the post's campaign) unless tracking is off for the post. A delivery keeps
    the link it was first sent with, so a retry publishes the same address."""
    original = _trackable(post)
    if not original:
        return post.link
    known = delivery.tracked_link if delivery is not None and delivery.tracked_link_id else None
    if known is not None and known.original == original and known.campaign_id == post.campaign_id:
        return link_url(known)
    medium, source = _medium(channel)
    try:
        with atomic_write():
            link = do_create_link(post.workspace, original, campaign=post.campaign, medium=medium,
                                  source=source, content=f"post-{post.pk}")  # fmt: skip
            if delivery is not None:
                Delivery.objects.filter(pk=delivery.pk).update(tracked_link=link)
                delivery.tracked_link = link
    except ValidationError as exc:  # e.g. the campaign moved workspace: send it untracked
        logger.warning("Post %s goes out untracked: %s", post.pk, exc)
        return post.link
    return link_url(link)


def _with_link(text: str, original: str, link: str) -> str:
    """The text with the post's link, where it appears whole, replaced by `link`."""
    if not original or original == link:
        return text
    whole = re.compile(re.escape(original) + r"(?![\w/?#%&=~+-]|[.,;:!][\w/])")
    return whole.sub(lambda _: link, text)


def language_tag(code: str) -> str:
    """A language code in BCP-47's usual case: "en-us" -> "en-US", "zh_hant" -> "zh-Hant"."""
    subtags = [part for part in code.strip().replace("_", "-").split("-") if part]
    if not subtags:
        return ""
    tag = [subtags[0].lower()]
    for part in subtags[1:]:
        if len(part) == 2 and part.isalpha():
            tag.append(part.upper())  # a region
        elif len(part) == 4 and part.isalpha():
            tag.append(part.title())  # a script
        else:
            tag.append(part.lower())
    return "-".join(tag)


def language_for(post: Post) -> str:
    """The language of the post's text, as a BCP-47 tag (Bluesky's `langs`).

    Posts, workspaces and the site have no language setting of their own yet: it is the
    site's LANGUAGE_CODE ("en-us" -> "en-US"). A post's or workspace's own setting goes first
    here once there is one.
    """
    return language_tag(settings.LANGUAGE_CODE)


def content_for(post: Post, channel: Channel, delivery: Delivery | None = None) -> Content:
    """What goes to this channel: its variant text (or the post's), the link (tracked, and
    replaced in the text too), fitted images, and for a shared scoop its title, excerpt and
    picture for the link card."""
    scoop = post.scoop
    link = tracked_url(post, channel, delivery)
    return Content(
        text=_with_link(text_for(post, channel), post.link.strip(), link),
        link=link,
        images=_images(post, channel, fit=True),
        media=media_for(post, load=True),
        title=post.title or (scoop.title if scoop else ""),
        description=scoop.excerpt if scoop else "",
        link_image=_link_image(post, channel),
        language=language_for(post),
        reply_to=post.reply_to,
    )


def save_changes(channel: Channel, adapter: Adapter) -> None:
    """Keep what the adapter renewed or learnt (a refreshed session, the server's limits)."""
    changes = adapter.config_changes()
    if changes and any(channel.credentials.get(k) != v for k, v in changes.items()):
        channel.credentials = {**channel.credentials, **changes}
        channel.save(update_fields=["credentials"])


def tracked_stand_in() -> str:
    """What a tracked link is counted as before it exists: BASE_URL/l/ and a code's length."""
    return f"{settings.BASE_URL}/l/{'x' * codes.LENGTH}"


def draft_content(
    text: str,
    link: str,
    *,
    tracking: bool,
    images: tuple[Image, ...] = (),
    title: str = "",
    media: Media | None = None,
) -> Content:
    """A post's content as it will go out, before it does: with tracking on, the link (in the
    text too) is the stand-in of a tracked link of the same length."""
    original = link.strip()
    if _trackable_link(original, tracking):
        link = tracked_stand_in()
    return Content(text=_with_link(text, original, link), link=link, images=images, title=title,
                   media=media)  # fmt: skip


def draft_problems(
    rules: Rules, text: str, link: str, *, tracking: bool = True, images: tuple[Image, ...] = ()
) -> list[Problem]:
    """`validate_for` before the post exists (the CSV import): the same count of the same
    text, with a new post's tracking."""
    draft = draft_content(text, link, tracking=tracking, images=images)
    return counting.validate(draft, rules)


def validate_for(post: Post, channel: Channel) -> list[Problem]:
    """The channel's rules against the post as it would go out (images fitted first; a video
    or audio file by its kind, type and size)."""
    rules = rules_for(channel)
    if rules is None:
        return [Problem("channel", f"Unknown network {channel.network!r}.")]
    try:
        images = _images(post, channel, fit=True)
    except ValueError as exc:
        return [Problem("images", str(exc))]
    draft = draft_content(text_for(post, channel), post.link, tracking=post.tracking,
                          images=images, title=post.title,
                          media=media_for(post, load=False))  # fmt: skip
    return counting.validate(draft, rules)


@dataclass(frozen=True)
class Thread:
    """The posts a text makes on a network with threads, as the composer shows them."""

    parts: list[str]  # each as it goes out (a tracked link as its stand-in)
    lengths: list[int]  # each part's length as the network counts it
    max_parts: int
    problem: str = ""  # why it cannot go out as a thread; then `parts` is empty


def thread_for(channel: Channel, text: str, link: str, *, tracking: bool) -> Thread | None:
    """How `text` (with the post's `link`) is cut into a thread on `channel`: the very cut
    its adapter makes when it publishes. None for a network without threads."""
    rules = rules_for(channel)
    if rules is None or rules.max_thread_parts <= 1:
        return None
    draft = draft_content(text, link, tracking=tracking)
    try:
        parts = threads.split(counting.postable_text(draft, rules), rules)
    except threads.ThreadError as exc:
        return Thread([], [], rules.max_thread_parts, str(exc))
    return Thread(parts, [counting.count(part, rules) for part in parts], rules.max_thread_parts)
