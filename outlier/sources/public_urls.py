"""The sources' addresses outside the app: where feeds' hubs push (WebSub), and a public
topic's form for visitors' suggestions."""

from django.urls import path

from outlier.sources import visitor_views, websub_views

app_name = "sources_public"
urlpatterns = [
    # The token is the subscription's unguessable part (WebSub: a capability URL).
    path("websub/<int:feed_id>/<str:token>/", websub_views.callback, name="websub"),
    path("t/<slug:topic>/suggest/", visitor_views.suggest, name="suggest"),
]
