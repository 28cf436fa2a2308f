"""ActivityPub, the protocol only: HTTP signatures (`http_signatures`), the documents Outlier
builds and reads (`vocabulary`), and fetching remote documents safely (`remote`).

Nothing here knows Outlier's models; `outlier.federation` is the server built on it.
"""
