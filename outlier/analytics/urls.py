from django.urls import path

from outlier.analytics import public_views, views

app_name = "analytics"
urlpatterns = [
    path("app/<slug:ws>/reports/", views.dashboard, name="dashboard"),
    path("app/<slug:ws>/reports/settings/", views.measurement_settings, name="settings"),
    path("app/<slug:ws>/reports/<slug:table>.csv", views.export, name="export"),
    path("app/<slug:ws>/conversions/", views.conversions, name="conversions"),
    path("app/<slug:ws>/campaigns/", views.campaigns, name="campaigns"),
    path("app/<slug:ws>/campaigns/<int:campaign_id>/", views.campaign, name="campaign"),
    path(
        "app/<slug:ws>/campaigns/<int:campaign_id>/delete/",
        views.campaign_delete,
        name="campaign_delete",
    ),
    path(
        "app/<slug:ws>/campaigns/<int:campaign_id>/costs/<int:cost_id>/",
        views.cost,
        name="cost",
    ),
    path(
        "app/<slug:ws>/campaigns/<int:campaign_id>/costs/<int:cost_id>/delete/",
        views.cost_delete,
        name="cost_delete",
    ),
    # Public: the conversion script, the endpoint it reports to, signed webhooks.
    path("c.js", public_views.script, name="script"),
    path("c/<str:key>", public_views.collect, name="collect"),
    path("c/<str:key>/webhook", public_views.webhook, name="webhook"),
]
