"""Accounts, workspaces, members and API tokens in the web UI. Thin: actions do the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from outlier.core import actions, setup_link
from outlier.core.authn import request_user
from outlier.core.forms import MemberForm, RoleForm, SetupForm, TokenForm, WorkspaceForm, add_errors
from outlier.core.invitations import send_invitation
from outlier.core.models import ApiToken, Membership, Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user=request_user(request)).select_related("workspace")
    if len(memberships) == 1:
        return redirect("curation:dashboard", memberships[0].workspace.slug)
    return render(request, "core/home.html", {"memberships": memberships})


@login_required
def workspace_new(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = actions.do_create_workspace(
                request_user(request),
                form.cleaned_data["name"],
                form.cleaned_data["slug"],  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Workspace “{workspace.name}” created.")
            return redirect("curation:dashboard", workspace.slug)
    return render(request, "core/workspace_new.html", {"form": form})


@login_required
def members(request: HttpRequest, ws: str) -> HttpResponse:
    membership = actions.access_workspace(request_user(request), ws, Role.OWNER)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added, created = actions.do_add_member(
                membership.workspace, form.cleaned_data["email"], form.cleaned_data["role"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if created:
                send_invitation(added.user, membership.workspace, request_user(request))
                messages.success(request, f"{added.user.email} added; an invitation was e-mailed.")
            else:
                messages.success(request, f"{added.user.email} added as {added.role}.")
            return redirect("members", ws)
    rows = membership.workspace.memberships.select_related("user").order_by("user__email")
    context = {"membership": membership, "workspace": membership.workspace, "form": form,
               "rows": rows, "roles": Role.choices}  # fmt: skip
    return render(request, "core/members.html", context)


@login_required
@require_POST
def member_change(request: HttpRequest, ws: str, member_id: int) -> HttpResponse:
    membership = actions.access_workspace(request_user(request), ws, Role.OWNER)
    target = get_object_or_404(Membership, pk=member_id, workspace=membership.workspace)
    try:
        if request.POST.get("remove"):
            actions.do_remove_member(target)
            messages.success(request, f"{target.user.email} removed.")
        else:
            form = RoleForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Choose a role.")
            actions.do_change_role(target, form.cleaned_data["role"])
            messages.success(request, f"{target.user.email} is now {target.role}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("members", ws)


@login_required
def tokens(request: HttpRequest, ws: str) -> HttpResponse:
    membership = actions.access_workspace(request_user(request), ws)
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_token = actions.do_create_token(
                request_user(request),
                membership.workspace,
                form.cleaned_data["name"],
                form.cleaned_data["scope"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            form = TokenForm()
    rows = ApiToken.objects.filter(user=request_user(request), workspace=membership.workspace)
    context = {"membership": membership, "workspace": membership.workspace, "form": form,
               "rows": rows, "new_token": new_token}  # fmt: skip
    return render(request, "core/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, ws: str, token_id: int) -> HttpResponse:
    membership = actions.access_workspace(request_user(request), ws)
    token = get_object_or_404(
        ApiToken, pk=token_id, user=request_user(request), workspace=membership.workspace
    )
    actions.do_revoke_token(token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("tokens", ws)


def setup(request: HttpRequest, token: str) -> HttpResponse:
    if not setup_link.is_valid(token):
        raise Http404("This set-up link has expired or was already used.")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = actions.do_bootstrap_owner(
                    form.cleaned_data["email"],
                    form.cleaned_data["password"],
                    form.cleaned_data["workspace"],
                )
        except ValidationError as exc:
            form.add_error("password" if "password" in " ".join(exc.messages) else None, exc)
        else:
            if user is None:
                raise Http404("This set-up link was already used.")
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    return render(request, "core/setup.html", {"form": form})
