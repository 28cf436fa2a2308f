"""The ActivityPub server side: every public topic is an actor that fediverse accounts follow.

WebFinger and the actor document make a topic findable; the inbox takes follows, likes,
boosts and replies (signed, or refused with 401); the sweep (`dispatch.sweep`) notices
published, edited and removed scoops by reading curation's rows and queues Create, Update and
Delete for every follower inbox; `dispatch.run_due` sends them, retrying with backoff.
"""
