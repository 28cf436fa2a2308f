from django.urls import path

from outlier.publishing import (
    calendar_views,
    channel_views,
    import_views,
    mastodon_connect,
    thread_views,
    views,
)

app_name = "publishing"
urlpatterns = [
    path("<slug:ws>/channels/", channel_views.channels, name="channels"),
    path("<slug:ws>/channels/new/", channel_views.channel_new, name="channel_new"),
    path("<slug:ws>/channels/<int:channel_id>/", channel_views.channel, name="channel"),
    path(
        "<slug:ws>/channels/mastodon/connect/",
        mastodon_connect.connect,
        name="mastodon_connect",
    ),
    path(
        "<slug:ws>/channels/mastodon/callback/",
        mastodon_connect.callback,
        name="mastodon_callback",
    ),
    path("<slug:ws>/compose/", views.compose, name="compose"),
    path("<slug:ws>/compose/thread/", thread_views.thread_preview, name="thread_preview"),
    path("<slug:ws>/drafts/", views.drafts, name="drafts"),
    path("<slug:ws>/posts/<int:post_id>/", views.post, name="post"),
    path("<slug:ws>/posts/<int:post_id>/move/", calendar_views.post_move, name="post_move"),
    path(
        "<slug:ws>/posts/<int:post_id>/deliveries/<int:delivery_id>/<str:verb>/",
        views.delivery_action,
        name="delivery_action",
    ),
    path("<slug:ws>/posts/<int:post_id>/<str:verb>/", views.post_action, name="post_action"),
    path("<slug:ws>/calendar/", calendar_views.calendar, name="calendar"),
    path("<slug:ws>/queue/", calendar_views.queue, name="queue"),
    path("<slug:ws>/import/", import_views.import_posts, name="import"),
    path("<slug:ws>/approvals/", views.approvals, name="approvals"),
    path("<slug:ws>/notifications/", views.notification_list, name="notifications"),
    path(
        "<slug:ws>/notifications/<int:notification_id>/",
        views.notification_open,
        name="notification_open",
    ),
]
