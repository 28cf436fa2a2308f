from django.urls import re_path

from outlier.links import views

app_name = "links"

urlpatterns = [
    re_path(r"^l/(?P<code>.*?)/?$", views.follow, name="follow"),
]
