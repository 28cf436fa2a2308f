from tests.mastodon.conftest import loopback_allowed, mastodon  # noqa: F401
from tests.networks.conftest import receiver  # noqa: F401
