from django.urls import path

from outlier.sources import network_views, views

app_name = "sources"
urlpatterns = [
    path("<slug:ws>/topics/<slug:slug>/sources/", views.source_list, name="list"),
    path("<slug:ws>/topics/<slug:slug>/sources/add/", views.add_feed, name="add"),
    path("<slug:ws>/topics/<slug:slug>/sources/keywords/", views.add_keywords, name="keywords"),
    path("<slug:ws>/topics/<slug:slug>/sources/account/", network_views.add_account,
         name="account"),
    path("<slug:ws>/topics/<slug:slug>/sources/import/", views.import_opml, name="import"),
    path("<slug:ws>/topics/<slug:slug>/sources/export.opml", views.export_topic, name="export"),
    path("<slug:ws>/topics/<slug:slug>/sources/<int:source_id>/remove/", views.remove,
         name="remove"),
    path("<slug:ws>/sources/export.opml", views.export_workspace, name="export_all"),
]  # fmt: skip
