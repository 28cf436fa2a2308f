from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "outlier.digests"
    label = "digests"
    verbose_name = "E-mail digests"
