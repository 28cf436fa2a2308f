from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "outlier.analytics"
    label = "analytics"
