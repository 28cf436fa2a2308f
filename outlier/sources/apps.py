from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "outlier.sources"
    label = "sources"
