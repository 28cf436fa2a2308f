from django.urls import path

from outlier.digests import views

app_name = "digests"
urlpatterns = [
    path("<slug:ws>/topics/<slug:slug>/subscribers/", views.subscribers, name="subscribers"),
    path("<slug:ws>/topics/<slug:slug>/subscribers/<int:subscription_id>/remove/", views.remove,
         name="remove"),
]  # fmt: skip
