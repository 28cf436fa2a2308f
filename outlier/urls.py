from django.contrib import admin
from django.urls import include, path

from outlier.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("app/", include("outlier.curation.urls")),
    path("", include("outlier.core.urls")),
    path("", include("outlier.site.urls")),
]
