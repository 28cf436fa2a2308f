from django.urls import path

from outlier.moderation import views

app_name = "moderation"
urlpatterns = [
    path("<slug:ws>/moderation/", views.queue, name="queue"),
    path("<slug:ws>/moderation/decide/", views.decide, name="decide"),
    path("<slug:ws>/moderation/undo/", views.undo, name="undo"),
    path("<slug:ws>/moderation/rules/", views.rules, name="rules"),
    path("<slug:ws>/moderation/rules/<int:rule_id>/", views.rules, name="rule"),
    path("<slug:ws>/moderation/blocked/", views.blocked, name="blocked"),
    path("<slug:ws>/moderation/audit/", views.audit, name="audit"),
]
