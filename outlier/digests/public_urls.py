"""The visitor's addresses: subscribing on a topic, and the links the e-mails carry."""

from django.urls import path

from outlier.digests import public_views

app_name = "digests_public"
urlpatterns = [
    path("t/<slug:topic>/subscribe/", public_views.subscribe, name="subscribe"),
    # The topic page shows the form in a frame (the page is cached; the frame is not).
    path("t/<slug:topic>/subscribe/frame/", public_views.subscribe, {"framed": True},
         name="subscribe_frame"),
    path("digests/confirm/<str:token>/", public_views.confirm, name="confirm"),
    path("digests/unsubscribe/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
]  # fmt: skip
