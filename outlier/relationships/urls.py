from django.urls import path

from outlier.relationships import views

app_name = "relationships"
urlpatterns = [
    path("<slug:ws>/contacts/", views.contact_list, name="list"),
    path("<slug:ws>/contacts/<int:contact_id>/", views.contact, name="contact"),
    path("<slug:ws>/contacts/of-item/<int:item_id>/", views.of_item, name="of_item"),
    path("<slug:ws>/contacts/balance/", views.balance_page, name="balance"),
    path("<slug:ws>/contacts/suggestions/<int:suggestion_id>/", views.decide, name="decide"),
    path("<slug:ws>/streams/", views.stream_list, name="streams"),
    path("<slug:ws>/streams/<int:stream_id>/", views.stream, name="stream"),
]
