from django.urls import path

from outlier.federation import views

app_name = "federation"

urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path("ap/inbox", views.shared_inbox, name="shared_inbox"),
    path("ap/topics/<int:topic_id>", views.actor, name="actor"),
    path("ap/topics/<int:topic_id>/inbox", views.topic_inbox, name="inbox"),
    path("ap/topics/<int:topic_id>/outbox", views.outbox, name="outbox"),
    path("ap/topics/<int:topic_id>/followers", views.followers, name="followers"),
    path("ap/scoops/<int:scoop_id>", views.scoop_object, name="object"),
    path("ap/activities/<str:token>", views.activity, name="activity"),
]
