from django.urls import path

from outlier.site import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
    path("w/<slug:workspace>/", views.workspace, name="workspace"),
    path(
        "w/<slug:workspace>/feed.rss", views.workspace_feed, {"kind": "rss"}, name="workspace_rss"
    ),
    path(
        "w/<slug:workspace>/feed.atom",
        views.workspace_feed,
        {"kind": "atom"},
        name="workspace_atom",
    ),
    path(
        "w/<slug:workspace>/feed.json",
        views.workspace_feed,
        {"kind": "json"},
        name="workspace_json",
    ),
    path("t/<slug:topic>/", views.topic, name="topic"),
    path("t/<slug:topic>/feed.rss", views.topic_feed, {"kind": "rss"}, name="topic_rss"),
    path("t/<slug:topic>/feed.atom", views.topic_feed, {"kind": "atom"}, name="topic_atom"),
    path("t/<slug:topic>/feed.json", views.topic_feed, {"kind": "json"}, name="topic_json"),
    path("t/<slug:topic>/archive/", views.archive, name="archive"),
    path(
        "t/<slug:topic>/archive/<int:year>/<int:month>/",
        views.archive_month,
        name="archive_month",
    ),
    path("t/<slug:topic>/tag/<slug:tag>/", views.tag, name="tag"),
    path("t/<slug:topic>/<int:pk>-<slug:slug>/", views.scoop, name="scoop"),
]
