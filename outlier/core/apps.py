from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "outlier.core"
    label = "core"
    verbose_name = "Outlier core"
