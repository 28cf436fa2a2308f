from django.contrib import admin

from outlier.federation.models import (
    Delivery,
    Follower,
    Interaction,
    PostedNote,
    Publication,
    RemoteActor,
)


@admin.register(RemoteActor)
class RemoteActorAdmin(admin.ModelAdmin[RemoteActor]):
    list_display = ["uri", "type", "inbox", "fetched_at"]
    search_fields = ["uri", "preferred_username"]


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin[Follower]):
    list_display = ["actor", "topic_id", "created_at"]  # the topic may be gone (see models)
    list_select_related = ["actor"]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin[Publication]):
    list_display = ["object_uri", "topic_id", "state", "announced_at", "changed_at", "last_error"]
    list_filter = ["state"]


@admin.register(PostedNote)
class PostedNoteAdmin(admin.ModelAdmin[PostedNote]):
    list_display = ["object_uri", "topic", "state", "published_at", "deleted_at"]
    list_filter = ["state"]
    list_select_related = ["topic"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ["activity", "inbox", "state", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["state"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin[Interaction]):
    list_display = ["kind", "scoop", "note", "actor", "received_at"]
    list_filter = ["kind"]
