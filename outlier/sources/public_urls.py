"""The sources' addresses outside the app: where feeds' hubs push (WebSub)."""

from django.urls import path  # noqa: F401

app_name = "sources_public"
urlpatterns: list = []
