from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "outlier.federation"
    label = "federation"
    verbose_name = "Federation (ActivityPub)"
