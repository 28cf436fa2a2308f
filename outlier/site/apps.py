from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "outlier.site"
    label = "site"
