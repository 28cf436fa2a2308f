from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from outlier.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("app/", include("outlier.publishing.urls")),
    path("app/", include("outlier.curation.urls")),
    path("", include("outlier.core.urls")),
    # Uploaded covers: small and few, so the app serves them itself (a CDN or nginx may front it).
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    path("", include("outlier.site.urls")),
]
