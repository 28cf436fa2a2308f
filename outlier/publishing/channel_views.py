"""The channels screens: connect, change, test and remove channels."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from outlier.core.forms import add_errors
from outlier.core.models import Role
from outlier.networks import registry
from outlier.publishing import actions
from outlier.publishing.forms import (
    ChannelForm,
    channel_initial,
)
from outlier.publishing.models import (
    Channel,
)
from outlier.publishing.views import form_networks, member_for, render_page, timezone_names

# --- channels ---------------------------------------------------------------------------------


@login_required
def channels(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    rows = Channel.objects.filter(workspace=member.workspace)
    return render_page(request, "channels.html", member, channels=rows, now=timezone.now(),
                 can_manage=member.allows(Role.EDITOR), networks=form_networks())  # fmt: skip


@login_required
def channel_new(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws, Role.EDITOR)
    network = request.POST.get("network") or request.GET.get("network", "")
    networks = dict(form_networks())
    if network not in networks:
        return render_page(request, "channel_networks.html", member, networks=networks.items())
    form = ChannelForm(request.POST or None, network=network, initial={"timezone": "UTC"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = actions.do_create_channel(
                member, network, data["name"], form.channel_settings(),
                form.channel_credentials(), data["timezone"].strip(), data["queue_times"],
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Channel “{channel.name}” connected. Test it below.")
            return redirect("publishing:channel", ws, channel.pk)
    return render_page(request, "channel_form.html", member, form=form, network=network,
                 network_label=networks[network], timezones=timezone_names())  # fmt: skip


@login_required
def channel(request: HttpRequest, ws: str, channel_id: int) -> HttpResponse:
    member = member_for(request, ws, Role.EDITOR)
    found = actions.access_channel(member, channel_id, Role.EDITOR)
    verb = request.POST.get("action", "save")
    if request.method == "POST" and verb == "delete":
        actions.do_delete_channel(member, found)
        messages.success(request, f"Channel “{found.name}” removed.")
        return redirect("publishing:channels", ws)
    if request.method == "POST" and verb == "test":
        ok, message = actions.do_test_channel(member, found)
        (messages.success if ok else messages.error)(request, message)
        return redirect("publishing:channel", ws, found.pk)
    form = ChannelForm(request.POST or None, network=found.network, editing=True,
                       initial=channel_initial(found))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_update_channel(
                member, found, name=data["name"], timezone=data["timezone"].strip(),
                queue_times=data["queue_times"], settings=form.channel_settings(),
                credentials=form.channel_credentials(),
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
            found.refresh_from_db()
        else:
            messages.success(request, "Channel saved.")
            return redirect("publishing:channel", ws, found.pk)
    return render_page(request, "channel_form.html", member, form=form, channel=found,
                 network=found.network, network_label=registry.RULES[found.network].label,
                 timezones=timezone_names(), now=timezone.now())  # fmt: skip
