"""The writes of tracked links: make one (target checked, UTM added, random code), turn it
off and on, and set a workspace's UTM defaults. The UI, the API and the publishing and
site code all call these.

The publishing and site code act for the workspace (`do_create_link`, …); the links screen
and the REST API act for a member and go through the `*_for`/`access_*` functions at the
end, which check the member's role first: any member reads, editors and owners write."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from outlier.core.actions import check_role
from outlier.core.models import Membership, Role, Workspace
from outlier.links import codes, utm
from outlier.links.models import Campaign, LinkDefaults, LinkMedium, TrackedLink
from outlier.links.redirect import resolver
from outlier.links.targets import check_target

CODE_ATTEMPTS = 8


def link_url(link: TrackedLink) -> str:
    """The public, absolute address of a tracked link."""
    return f"{settings.BASE_URL}/l/{link.code}"


def workspace_defaults(workspace_id: int) -> dict[str, str]:
    row = LinkDefaults.objects.filter(workspace_id=workspace_id).values_list("utm").first()
    return dict(row[0]) if row else {}


def check_link(
    workspace: Workspace,
    target: str,
    *,
    campaign: Campaign | None = None,
    medium: str = LinkMedium.MANUAL,
    source: str = "",
    content: str = "",
    overrides: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
) -> TrackedLink:
    """An unsaved link with its final target, or a ValidationError saying what is wrong."""
    original = check_target(target)
    if medium not in LinkMedium.values:
        raise ValidationError({"medium": f"Unknown medium {medium!r}."})
    if campaign is not None and campaign.workspace_id != workspace.pk:
        raise ValidationError({"campaign": "That campaign belongs to another workspace."})
    clean_overrides = utm.check_values(overrides or {}, field="overrides")
    values = utm.check_values(
        utm.link_values(medium=medium, source=source.strip(),
                        campaign=campaign.slug if campaign else "", content=content.strip()),
        field="utm",
    )  # fmt: skip
    if defaults is None:
        defaults = workspace_defaults(workspace.pk)
    final, applied = utm.add_utm(original, values, overrides=clean_overrides, defaults=defaults)
    final = check_target(final)  # still a clean address once the parameters are in
    return TrackedLink(
        workspace=workspace, target=final, original=original, campaign=campaign,
        medium=medium, source=source.strip()[:40], utm=applied,
    )  # fmt: skip


def do_create_link(
    workspace: Workspace,
    target: str,
    *,
    campaign: Campaign | None = None,
    medium: str = LinkMedium.MANUAL,
    source: str = "",
    content: str = "",
    overrides: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
) -> TrackedLink:
    """A new tracked link to `target` (checked, UTM parameters added) with a fresh code."""
    link = check_link(workspace, target, campaign=campaign, medium=medium, source=source,
                      content=content, overrides=overrides, defaults=defaults)  # fmt: skip
    for _ in range(CODE_ATTEMPTS):
        link.code = codes.new_code()
        try:
            with transaction.atomic():
                link.save(force_insert=True)
        except IntegrityError:
            if not TrackedLink.objects.filter(code=link.code).exists():
                raise  # not the code: let it show
            link.pk = None
            continue
        resolver.forget(link.code)
        return link
    raise RuntimeError("Could not draw an unused link code; is the table full?")


def _set_enabled(link: TrackedLink, enabled: bool) -> TrackedLink:
    TrackedLink.objects.filter(pk=link.pk).update(enabled=enabled)
    link.enabled = enabled
    resolver.forget(link.code)  # here at once; other processes within LINK_CACHE_SECONDS
    return link


def do_disable_link(link: TrackedLink) -> TrackedLink:
    """The link answers 410 from now on (other web processes: within a few seconds)."""
    return _set_enabled(link, False)


def do_enable_link(link: TrackedLink) -> TrackedLink:
    return _set_enabled(link, True)


def do_set_link_defaults(workspace: Workspace, values: Mapping[str, str]) -> LinkDefaults:
    """The workspace's UTM defaults, for any parameter nothing else sets on a new link."""
    clean = {key: value for key, value in utm.check_values(values).items() if value}
    defaults, _ = LinkDefaults.objects.update_or_create(workspace=workspace,
                                                        defaults={"utm": clean})  # fmt: skip
    return defaults


# --- for a member: the links screen and the REST API --------------------------------------


def access_link(member: Membership, link_id: int, role: str = Role.VIEWER) -> TrackedLink:
    """One of the member's workspace's links; 404 for another workspace's (nothing leaks)."""
    check_role(member, role)
    link = (
        TrackedLink.objects.select_related("campaign")
        .filter(pk=link_id, workspace=member.workspace)
        .first()
    )
    if link is None:
        raise Http404("No such link in this workspace.")
    return link


def check_campaign_id(member: Membership, campaign_id: int | None) -> Campaign | None:
    """The workspace's campaign with this id (None for none); another workspace's campaign
    and an unknown id are the same error, so ids of other workspaces do not leak."""
    if campaign_id is None:
        return None
    campaign = Campaign.objects.filter(pk=campaign_id, workspace=member.workspace).first()
    if campaign is None:
        raise ValidationError({"campaign": "No such campaign in this workspace."})
    return campaign


def _utm_errors(values: Mapping[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    """The values checked one by one, so that each bad one gets its own reason: errors are
    keyed by the parameter (`utm_term`), unknown parameters under `utm`."""
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key, value in values.items():
        field = key if key in utm.KEYS else "utm"
        try:
            clean.update(utm.check_values({key: value}, field=field))
        except ValidationError as exc:
            errors.setdefault(field, exc.message_dict[field][0])
    return clean, errors


def do_create_link_for(
    member: Membership,
    target: str,
    *,
    campaign_id: int | None = None,
    overrides: Mapping[str, object] | None = None,
) -> TrackedLink:
    """A link made by hand by an editor: the target, an optional campaign of the workspace
    and UTM overrides (an empty value removes that parameter). Every bad field is reported
    at once, and nothing is stored unless all are good."""
    check_role(member, Role.EDITOR)
    errors: dict[str, str] = {}
    campaign = None
    try:
        campaign = check_campaign_id(member, campaign_id)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    clean, utm_problems = _utm_errors(overrides or {})
    errors.update(utm_problems)
    try:
        check_target(target)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return do_create_link(member.workspace, target, campaign=campaign, overrides=clean)


def do_set_link_enabled(member: Membership, link: TrackedLink, enabled: bool) -> TrackedLink:
    """Turn a link off (it answers 410) or on again; editors."""
    check_role(member, Role.EDITOR)
    if link.workspace_id != member.workspace.pk:
        raise Http404("No such link in this workspace.")
    if link.enabled == enabled:
        return link
    return do_enable_link(link) if enabled else do_disable_link(link)


def do_set_link_defaults_for(member: Membership, values: Mapping[str, object]) -> LinkDefaults:
    """Replace the workspace's UTM defaults (empty values are left out); editors."""
    check_role(member, Role.EDITOR)
    clean, errors = _utm_errors(values)
    if errors:
        raise ValidationError(errors)
    return do_set_link_defaults(member.workspace, clean)
