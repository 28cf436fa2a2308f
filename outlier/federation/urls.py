from django.urls import path

from outlier.federation import views

app_name = "federation"

urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path("ap/inbox", views.shared_inbox, name="shared_inbox"),
    path("ap/actor", views.instance_actor, name="instance_actor"),
    path("ap/actor/outbox", views.instance_outbox, name="instance_outbox"),
    path("ap/topics/<int:topic_id>", views.actor, name="actor"),
    path("ap/topics/<int:topic_id>/inbox", views.topic_inbox, name="inbox"),
    path("ap/topics/<int:topic_id>/outbox", views.outbox, name="outbox"),
    path("ap/topics/<int:topic_id>/followers", views.followers, name="followers"),
    path("ap/scoops/<int:scoop_id>", views.scoop_object, name="object"),
    path(
        "ap/scoops/<int:scoop_id>/<int:number>", views.scoop_object_version, name="object_version"
    ),
    path("ap/notes/<slug:token>", views.posted_note, name="note"),
    path("ap/activities/<str:token>", views.activity, name="activity"),
]
