from django.apps import AppConfig


class CurationConfig(AppConfig):
    name = "outlier.curation"
    label = "curation"
