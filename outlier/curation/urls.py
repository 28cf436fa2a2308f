from django.urls import path

from outlier.curation import views

app_name = "curation"
urlpatterns = [
    path("<slug:ws>/", views.dashboard, name="dashboard"),
    path("<slug:ws>/topics/new/", views.topic_new, name="topic_new"),
    path("<slug:ws>/topics/<slug:slug>/", views.topic, name="topic"),
    path("<slug:ws>/topics/<slug:slug>/edit/", views.topic_edit, name="topic_edit"),
    path("<slug:ws>/scoops/new/", views.scoop_new, name="scoop_new"),
    path("<slug:ws>/scoops/<int:scoop_id>/", views.scoop, name="scoop"),
    path("<slug:ws>/scoops/<int:scoop_id>/card/", views.scoop_card, name="scoop_card"),
    path(
        "<slug:ws>/scoops/<int:scoop_id>/<str:verb>/",
        views.scoop_action,
        name="scoop_action",
    ),
]
