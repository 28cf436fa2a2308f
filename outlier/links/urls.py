from django.urls import path, re_path

from outlier.links import screens, views

app_name = "links"

urlpatterns = [
    re_path(r"^l/(?P<code>.*?)/?$", views.follow, name="follow"),
    path("app/<slug:ws>/links/", screens.links, name="list"),
    path(
        "app/<slug:ws>/links/<int:link_id>/<str:verb>/",
        screens.switch,
        name="switch",
    ),
]
