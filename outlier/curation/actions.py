"""Writes about topics and scoops. Views, the API and the CLI all come through here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from outlier.core.markup import render_markdown
from outlier.core.models import Membership, Role, Workspace
from outlier.curation.models import Scoop, ScoopState, Tag, Topic
from outlier.curation.urlkeys import check_http_url, url_key
from outlier.links.actions import do_create_link, workspace_defaults
from outlier.links.models import LinkMedium, TrackedLink
from outlier.links.targets import check_target

if TYPE_CHECKING:
    from outlier.curation.extract import Article

RESERVED_SLUGS = {"app", "api", "admin", "static", "media", "l", "w", "t", "feeds", "setup"}
STUCK_FETCH_SECONDS = 120


# --- topics -------------------------------------------------------------------------------


def access_topic(membership: Membership, slug: str, role: str = Role.VIEWER) -> Topic:
    if not membership.allows(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role or higher.")
    topic = Topic.objects.filter(workspace=membership.workspace, slug=slug).first()
    if topic is None:
        raise Http404("No such topic in this workspace.")
    return topic


def check_topic(name: str, slug: str, exclude: Topic | None = None) -> tuple[str, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the topic a name."})
    if len(name) > 120:
        raise ValidationError({"name": "The name is longer than 120 characters."})
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError({"slug": "The address must contain letters or digits."})
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": f"“{slug}” is reserved; choose another address."})
    taken = Topic.objects.filter(slug=slug)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"slug": f"The address “{slug}” is taken; choose another."})
    return name, slug


def do_create_topic(
    membership: Membership,
    name: str,
    slug: str = "",
    description: str = "",
    is_public: bool = True,
    cover_image: Any = None,
    visitor_suggestions: bool = True,
) -> Topic:
    if not membership.allows(Role.EDITOR):
        raise PermissionDenied("Only editors and owners create topics.")
    name, slug = check_topic(name, slug)
    topic = Topic(
        workspace=membership.workspace,
        name=name,
        slug=slug,
        description=(description or "").strip(),
        is_public=is_public,
        visitor_suggestions=visitor_suggestions,
    )
    if cover_image:
        topic.cover_image = cover_image
    try:
        with transaction.atomic():
            topic.save()
    except IntegrityError as exc:
        raise ValidationError({"slug": f"The address “{slug}” is taken; choose another."}) from exc
    return topic


def do_update_topic(membership: Membership, topic: Topic, **changes: Any) -> Topic:
    if not membership.allows(Role.EDITOR) or topic.workspace_id != membership.workspace_id:
        raise PermissionDenied("Only editors and owners change topics.")
    name, slug = check_topic(
        changes.get("name", topic.name), changes.get("slug", topic.slug), exclude=topic
    )
    topic.name, topic.slug = name, slug
    if "description" in changes:
        topic.description = (changes["description"] or "").strip()
    if "is_public" in changes:
        topic.is_public = bool(changes["is_public"])
    if "visitor_suggestions" in changes:
        topic.visitor_suggestions = bool(changes["visitor_suggestions"])
    if changes.get("cover_image"):
        topic.cover_image = changes["cover_image"]
    topic.changed_at = timezone.now()
    try:
        with transaction.atomic():
            topic.save()
    except IntegrityError as exc:
        raise ValidationError({"slug": f"The address “{slug}” is taken; choose another."}) from exc
    return topic


def do_delete_topic(membership: Membership, topic: Topic) -> None:
    if not membership.allows(Role.EDITOR) or topic.workspace_id != membership.workspace_id:
        raise PermissionDenied("Only editors and owners delete topics.")
    topic.delete()


def _touch(topic_id: int) -> None:
    Topic.objects.filter(pk=topic_id).update(changed_at=timezone.now())


# --- scoops -------------------------------------------------------------------------------


def access_scoop(membership: Membership, scoop_id: int, role: str = Role.VIEWER) -> Scoop:
    if not membership.allows(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role or higher.")
    scoop = (
        Scoop.objects.select_related("topic", "created_by")
        .filter(pk=scoop_id, topic__workspace=membership.workspace)
        .first()
    )
    if scoop is None:
        raise Http404("No such scoop in this workspace.")
    return scoop


def check_can_edit_scoop(membership: Membership, scoop: Scoop) -> None:
    """Editors and owners edit every scoop; contributors their own."""
    if membership.allows(Role.EDITOR):
        return
    if membership.allows(Role.CONTRIBUTOR) and scoop.created_by_id == membership.user_id:
        return
    raise PermissionDenied("You can only change scoops you saved yourself.")


def parse_tags(raw: str | Iterable[str]) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    names: dict[str, str] = {}
    for item in items:
        name = " ".join(str(item).split())[:60]
        if name and slugify(name):
            names.setdefault(slugify(name), name)
    if len(names) > 20:
        raise ValidationError({"tags": "A scoop can carry at most 20 tags."})
    return list(names.values())


def _set_tags(scoop: Scoop, workspace: Workspace, names: list[str]) -> None:
    tags = []
    for name in names:
        tag, _ = Tag.objects.get_or_create(
            workspace=workspace, slug=slugify(name), defaults={"name": name}
        )
        tags.append(tag)
    scoop.tags.set(tags)


def find_duplicate(topic: Topic, url: str) -> Scoop | None:
    key = url_key(url)
    return (
        Scoop.objects.filter(topic=topic)
        .filter(Q(url_key=key) | Q(canonical_key=key))
        .order_by("pk")
        .first()
    )


def do_create_scoop(
    membership: Membership,
    topic: Topic,
    url: str,
    insight: str = "",
    tags: str | Iterable[str] = (),
    publish: bool = True,
) -> tuple[Scoop, bool]:
    """Save `url` into `topic` and queue the fetch. Returns (scoop, created).

    A URL already in the topic (under its own or its canonical form) gives back the
    existing scoop instead of a second one.
    """
    from outlier.curation.tasks import fetch_scoop

    if not membership.allows(Role.CONTRIBUTOR):
        raise PermissionDenied("Viewers cannot save scoops.")
    if topic.workspace_id != membership.workspace_id:
        raise Http404("No such topic in this workspace.")
    url = check_http_url(url)
    tag_names = parse_tags(tags)
    existing = find_duplicate(topic, url)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            scoop = Scoop.objects.create(
                topic=topic,
                created_by=membership.user,
                url=url,
                url_key=url_key(url),
                insight=insight or "",
                insight_html=render_markdown(insight or ""),
                publish_when_fetched=publish,
                state=ScoopState.FETCHING,
                fetch_started_at=timezone.now(),
            )
            _set_tags(scoop, membership.workspace, tag_names)
            # The task row commits with the scoop (database backend): no scoop without its fetch.
            fetch_scoop.enqueue(scoop.pk)
    except IntegrityError:
        existing = find_duplicate(topic, url)
        if existing is None:
            raise
        return existing, False
    scoop.refresh_from_db()
    return scoop, True


EDITABLE_FIELDS = (
    "title", "excerpt", "image_url", "site_name", "author", "article_published_at", "insight",
)  # fmt: skip


# "Read the full article →" through a tracked link or not, and the campaign it counts for.
LINK_FIELDS = ("tracking", "campaign")


def do_update_scoop(membership: Membership, scoop: Scoop, **changes: Any) -> Scoop:
    check_can_edit_scoop(membership, scoop)
    unknown = set(changes) - set(EDITABLE_FIELDS) - set(LINK_FIELDS) - {"tags"}
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    for field in EDITABLE_FIELDS:
        if field in changes and changes[field] is not None:
            value = changes[field]
            setattr(scoop, field, value.strip() if isinstance(value, str) else value)
    if changes.get("tracking") is not None:
        scoop.tracking = bool(changes["tracking"])
    if "campaign" in changes:  # None takes the scoop out of its campaign
        campaign = changes["campaign"]
        if campaign is not None and campaign.workspace_id != scoop.topic.workspace_id:
            raise ValidationError({"campaign": "That campaign belongs to another workspace."})
        scoop.campaign = campaign
    if "image_url" in changes and scoop.image_url:
        check_http_url(scoop.image_url, field="image_url")
    if len(scoop.title) > 300:
        raise ValidationError({"title": "The title is longer than 300 characters."})
    if scoop.state == ScoopState.PUBLISHED and not scoop.title:
        raise ValidationError({"title": "A published scoop needs a title."})
    scoop.insight_html = render_markdown(scoop.insight)
    with transaction.atomic():
        scoop.save()
        if changes.get("tags") is not None:
            _set_tags(scoop, scoop.topic.workspace, parse_tags(changes["tags"]))
        _touch(scoop.topic_id)
    return scoop


SCOOP_LINKS = {  # medium → (the scoop's field, utm_source)
    LinkMedium.SITE: ("site_link", ""),  # utm_source: the public site's host name
    LinkMedium.FEED: ("feed_link", "feed"),
}


def do_link_scoops(scoops: Iterable[Scoop], medium: str) -> None:
    """Give each scoop that tracks its "Read the full article →" a tracked link for `medium`
    (topic pages or feeds), or a new one when its article address or campaign changed.

    Called by the public pages as they render, so every scoop, old ones included, gets its
    links the first time it is shown. Two processes rendering at once may both make one:
    the first to set the field wins and the other's is deleted, so pages agree.
    """
    field, source = SCOOP_LINKS[LinkMedium(medium)]
    source = source or (urlsplit(settings.BASE_URL).hostname or "site")
    defaults: dict[int, dict[str, str]] = {}
    for scoop in scoops:
        if not scoop.tracking:
            continue
        try:
            original = check_target(scoop.link_url)
        except ValidationError:
            continue  # not an address to track: the page shows it (or not) as it is
        current: TrackedLink | None = getattr(scoop, field)
        if (current is not None and current.original == original
                and current.campaign_id == scoop.campaign_id):  # fmt: skip
            continue
        workspace_id = scoop.topic.workspace_id
        if workspace_id not in defaults:
            defaults[workspace_id] = workspace_defaults(workspace_id)
        link = do_create_link(Workspace(pk=workspace_id), original, campaign=scoop.campaign,
                              medium=medium, source=source, content=f"scoop-{scoop.pk}",
                              defaults=defaults[workspace_id])  # fmt: skip
        won = Scoop.objects.filter(pk=scoop.pk, **{f"{field}_id": current.pk if current else None})
        if won.update(**{field: link}):
            setattr(scoop, field, link)
        else:
            link.delete()
            fresh = Scoop.objects.select_related(field).filter(pk=scoop.pk).first()
            setattr(scoop, field, getattr(fresh, field) if fresh else None)


def _link_published(scoop: Scoop) -> None:
    """A scoop just published gets its tracked links now rather than on its first page."""
    for medium in SCOOP_LINKS:
        do_link_scoops([scoop], medium)


def do_publish_scoop(membership: Membership, scoop: Scoop) -> Scoop:
    check_can_edit_scoop(membership, scoop)
    if scoop.state == ScoopState.FETCHING:
        raise ValidationError("The page is still being fetched; publish it when it is filled.")
    if not scoop.title:
        raise ValidationError({"title": "Give the scoop a title before publishing it."})
    with transaction.atomic():
        scoop.state = ScoopState.PUBLISHED
        scoop.published_at = scoop.published_at or timezone.now()
        scoop.save(update_fields=["state", "published_at", "updated_at"])
        _touch(scoop.topic_id)
    _link_published(scoop)
    return scoop


def do_unpublish_scoop(membership: Membership, scoop: Scoop) -> Scoop:
    check_can_edit_scoop(membership, scoop)
    if scoop.state != ScoopState.PUBLISHED:
        return scoop
    with transaction.atomic():
        scoop.state = ScoopState.DRAFT
        scoop.save(update_fields=["state", "updated_at"])
        _touch(scoop.topic_id)
    return scoop


def do_delete_scoop(membership: Membership, scoop: Scoop) -> None:
    check_can_edit_scoop(membership, scoop)
    with transaction.atomic():
        topic_id = scoop.topic_id
        scoop.delete()
        _touch(topic_id)


def do_retry_fetch(membership: Membership, scoop: Scoop) -> Scoop:
    from outlier.curation.tasks import fetch_scoop

    check_can_edit_scoop(membership, scoop)
    stuck = (
        scoop.state == ScoopState.FETCHING
        and scoop.fetch_started_at is not None
        and (timezone.now() - scoop.fetch_started_at).total_seconds() > STUCK_FETCH_SECONDS
    )
    if scoop.state == ScoopState.FETCHING and not stuck:
        return scoop
    if scoop.state == ScoopState.PUBLISHED:
        raise ValidationError("Unpublish the scoop before fetching it again.")
    with transaction.atomic():
        Scoop.objects.filter(pk=scoop.pk).update(
            state=ScoopState.FETCHING, fetch_error="", fetch_started_at=timezone.now()
        )
        fetch_scoop.enqueue(scoop.pk)
    scoop.refresh_from_db()
    return scoop


# --- the fetch's outcome (called by the task) ---------------------------------------------


def do_fill_scoop(scoop_id: int, article: Article) -> bool:
    """Fill a fetching scoop from the extracted article, in one write. False if not fetching."""
    with transaction.atomic():
        scoop = Scoop.objects.select_for_update().filter(pk=scoop_id).first()
        if scoop is None or scoop.state != ScoopState.FETCHING:
            return False
        canonical = article.canonical_url
        key = url_key(canonical) if canonical else ""
        twin = None
        if key:
            twin = (
                Scoop.objects.filter(topic_id=scoop.topic_id)
                .filter(Q(url_key=key) | Q(canonical_key=key))
                .exclude(pk=scoop.pk)
                .first()
            )
        # The curator's own edits made while the page was fetched win over the page's values.
        scoop.title = scoop.title or article.title[:300]
        scoop.excerpt = scoop.excerpt or article.excerpt
        scoop.image_url = scoop.image_url or article.image_url[:2000]
        scoop.site_name = scoop.site_name or article.site_name[:200]
        scoop.author = scoop.author or article.author[:200]
        scoop.article_published_at = scoop.article_published_at or article.published_at
        scoop.canonical_url = canonical[:2000]
        scoop.canonical_key = key
        scoop.language = article.language[:20]
        scoop.fetched_at = timezone.now()
        scoop.fetch_error = ""
        if twin is not None:
            scoop.state = ScoopState.DRAFT
            scoop.fetch_error = (
                f"This article is already in the topic as “{twin}” (scoop {twin.pk}); "
                "this copy was kept as a draft."
            )
        elif scoop.publish_when_fetched and scoop.title:
            scoop.state = ScoopState.PUBLISHED
            scoop.published_at = scoop.published_at or timezone.now()
        else:
            scoop.state = ScoopState.DRAFT
        scoop.save()
        _touch(scoop.topic_id)
    if scoop.state == ScoopState.PUBLISHED:
        _link_published(scoop)
    return True


def do_fail_fetch(scoop_id: int, reason: str) -> bool:
    """Record why the page could not be fetched or read; the scoop stays a draft to retry."""
    updated = Scoop.objects.filter(pk=scoop_id, state=ScoopState.FETCHING).update(
        state=ScoopState.FAILED, fetch_error=reason[:500], fetched_at=timezone.now()
    )
    return bool(updated)
