from __future__ import annotations

from django.urls import reverse

from outlier.publishing.models import Post


def post_path(post: Post) -> str:
    return reverse("publishing:post", args=[post.workspace.slug, post.pk])
