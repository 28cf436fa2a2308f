from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "outlier.inbox"
    label = "inbox"
