from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "outlier.publishing"
    label = "publishing"
