from django.urls import path

from outlier.inbox import views

app_name = "inbox"
urlpatterns = [
    path("<slug:ws>/inbox/", views.inbox, name="list"),
    path("<slug:ws>/inbox/unread.json", views.unread, name="unread"),
    path("<slug:ws>/inbox/bulk/", views.bulk, name="bulk"),
    path("<slug:ws>/inbox/<int:item_id>/", views.item, name="item"),
    path("<slug:ws>/inbox/rules/", views.rule_list, name="rules"),
    path("<slug:ws>/inbox/rules/<int:rule_id>/", views.rule_list, name="rule"),
    path("<slug:ws>/inbox/saved-replies/", views.saved_replies, name="saved_replies"),
    path("<slug:ws>/inbox/report/", views.report, name="report"),
]
