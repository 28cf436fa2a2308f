"""Networks: one package per network behind the one interface in `base`.

Adapters know nothing of Outlier's models: they receive plain values (the channel's settings
and decrypted credentials, the post's content) and return plain values. `registry` lists them
and every network's rules; `counting` measures and validates a post against those rules.
"""
