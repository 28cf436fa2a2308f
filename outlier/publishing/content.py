"""From a post's rows to what an adapter receives, and the rules check per channel."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError

from outlier.core import safe_http
from outlier.core.write_lock import atomic_write
from outlier.links import codes
from outlier.links.actions import do_create_link, link_url
from outlier.links.models import LinkMedium
from outlier.links.targets import check_target
from outlier.networks import counting, registry
from outlier.networks.base import Adapter, Content, Image, Problem, Rules
from outlier.publishing.models import Channel, Delivery, Post

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


def _trackable(post: Post) -> str:
    """The post's link as a tracked link would store it, or "" when it goes out as it is
    (no link, tracking turned off, or not an address a tracked link accepts)."""
    if not post.tracking or not post.link.strip():
        return ""
    try:
        return check_target(post.link.strip())
    except ValidationError:
        return ""


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
        title=post.title or (scoop.title if scoop else ""),
        description=scoop.excerpt if scoop else "",
        link_image=_link_image(post, channel),
    )


def save_changes(channel: Channel, adapter: Adapter) -> None:
    """Keep what the adapter renewed or learnt (a refreshed session, the server's limits)."""
    changes = adapter.config_changes()
    if changes and any(channel.credentials.get(k) != v for k, v in changes.items()):
        channel.credentials = {**channel.credentials, **changes}
        channel.save(update_fields=["credentials"])


def validate_for(post: Post, channel: Channel) -> list[Problem]:
    """The channel's rules against the post as it would go out (images fitted first)."""
    rules = rules_for(channel)
    if rules is None:
        return [Problem("channel", f"Unknown network {channel.network!r}.")]
    try:
        images = _images(post, channel, fit=True)
    except ValueError as exc:
        return [Problem("images", str(exc))]
    # Counted as it will go out: a tracked link is BASE_URL/l/ and a code of fixed length.
    link = post.link
    if _trackable(post):
        link = f"{settings.BASE_URL}/l/{'x' * codes.LENGTH}"
    text = _with_link(text_for(post, channel), post.link.strip(), link)
    draft = Content(text=text, link=link, images=images, title=post.title)
    return counting.validate(draft, rules)
