"""The e-mail network: each post goes out as one message per recipient, through SMTP."""

from outlier.networks.email.adapter import EmailAdapter
from outlier.networks.email.message import message_id

__all__ = ["EmailAdapter", "message_id"]
