"""From a post's rows to what an adapter receives, and the rules check per channel."""

from __future__ import annotations

from outlier.networks import counting, registry
from outlier.networks.base import Adapter, Content, Image, Problem
from outlier.publishing.models import Channel, Post


def adapter_class(network: str) -> type[Adapter]:
    return registry.get_adapter(network)


def adapter_for(channel: Channel) -> Adapter:
    return adapter_class(channel.network)(channel.adapter_config())


def text_for(post: Post, channel: Channel) -> str:
    variant = next((v for v in post.variants.all() if v.channel_id == channel.pk), None)
    return variant.text if variant is not None else post.text


def _images(post: Post, channel: Channel, fit: bool) -> tuple[Image, ...]:
    rules = adapter_class(channel.network).rules
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


def content_for(post: Post, channel: Channel) -> Content:
    """What goes to this channel: its variant text (or the post's), the link, fitted images."""
    return Content(
        text=text_for(post, channel),
        link=post.link,
        images=_images(post, channel, fit=True),
        title=post.title or (post.scoop.title if post.scoop else ""),
    )


def validate_for(post: Post, channel: Channel) -> list[Problem]:
    """The channel's rules against the post as it would go out (images fitted first)."""
    rules = registry.RULES[channel.network]
    try:
        images = _images(post, channel, fit=True)
    except ValueError as exc:
        return [Problem("images", str(exc))]
    draft = Content(text=text_for(post, channel), link=post.link, images=images, title=post.title)
    return counting.validate(draft, rules)
