"""The webhook network: posts delivered as signed JSON to a URL the user controls."""

from outlier.networks.webhook.adapter import WebhookAdapter
from outlier.networks.webhook.signature import sign, verify_signature

__all__ = ["WebhookAdapter", "sign", "verify_signature"]
