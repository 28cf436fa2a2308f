from django.urls import path

from outlier.sources import suggestion_views

app_name = "suggestions"
urlpatterns = [
    path("<slug:ws>/topics/<slug:slug>/suggestions/", suggestion_views.suggestions,
         name="list"),
    path("<slug:ws>/topics/<slug:slug>/suggestions/<int:suggestion_id>/<str:verb>/",
         suggestion_views.decide_on, name="decide"),
]  # fmt: skip
