"""The sources' addresses outside the app: where feeds' hubs push (WebSub)."""

from django.urls import path

from outlier.sources import websub_views

app_name = "sources_public"
urlpatterns = [
    # The token is the subscription's unguessable part (WebSub: a capability URL).
    path("websub/<int:feed_id>/<str:token>/", websub_views.callback, name="websub"),
]
