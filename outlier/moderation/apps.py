from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "outlier.moderation"
    label = "moderation"
    verbose_name = "Moderation"
