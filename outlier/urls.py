from django.contrib import admin
from django.urls import include, path, re_path

from outlier.api.api import api
from outlier.core.media import media

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("outlier.links.urls")),
    path("api/v1/", api.urls),
    path("app/", include("outlier.publishing.urls")),
    path("app/", include("outlier.curation.urls")),
    path("app/", include("outlier.inbox.urls")),
    path("app/", include("outlier.moderation.urls")),
    path("app/", include("outlier.relationships.urls")),
    path("app/", include("outlier.sources.urls")),
    path("app/", include("outlier.sources.suggestion_urls")),
    path("app/", include("outlier.digests.urls")),
    path("", include("outlier.sources.public_urls")),
    path("", include("outlier.digests.public_urls")),
    path("", include("outlier.analytics.urls")),
    path("", include("outlier.federation.urls")),
    path("", include("outlier.core.urls")),
    # Uploaded covers: small and few, so the app serves them itself (a CDN or nginx may front it).
    re_path(r"^media/(?P<path>.*)$", media),
    path("", include("outlier.site.urls")),
]
