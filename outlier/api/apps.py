from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "outlier.api"
    label = "api"
