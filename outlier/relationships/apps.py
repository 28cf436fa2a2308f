from django.apps import AppConfig


class RelationshipsConfig(AppConfig):
    name = "outlier.relationships"
    label = "relationships"
