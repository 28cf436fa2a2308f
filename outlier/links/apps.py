from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "outlier.links"
    label = "links"
