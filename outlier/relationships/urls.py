from django.urls import path

from outlier.relationships import exchange_views, views

app_name = "relationships"
urlpatterns = [
    path("<slug:ws>/contacts/", views.contact_list, name="list"),
    path("<slug:ws>/contacts/<int:contact_id>/", views.contact, name="contact"),
    path("<slug:ws>/contacts/of-item/<int:item_id>/", views.of_item, name="of_item"),
    path("<slug:ws>/contacts/balance/", views.balance_page, name="balance"),
    path("<slug:ws>/contacts/suggestions/<int:suggestion_id>/", views.decide, name="decide"),
    path("<slug:ws>/streams/", views.stream_list, name="streams"),
    path("<slug:ws>/streams/<int:stream_id>/", views.stream, name="stream"),
    path("<slug:ws>/contacts/export.csv", exchange_views.export_csv, name="export_csv"),
    path("<slug:ws>/contacts/export.vcf", exchange_views.export_vcard, name="export_vcf"),
    path("<slug:ws>/contacts/import/", exchange_views.import_contacts, name="import"),
]
