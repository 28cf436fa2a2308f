"""A REST API client with a bearer token, as an integrator would use it."""

from __future__ import annotations

from typing import Any

from django.test import Client


class Api:
    def __init__(self, token: str) -> None:
        self.client = Client(headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str) -> Any:
        return self.client.get("/api/v1" + path)

    def post(self, path: str, body: dict | None = None) -> Any:
        return self.client.post("/api/v1" + path, body or {}, content_type="application/json")

    def patch(self, path: str, body: dict) -> Any:
        return self.client.patch("/api/v1" + path, body, content_type="application/json")

    def put(self, path: str, body: dict) -> Any:
        return self.client.put("/api/v1" + path, body, content_type="application/json")

    def delete(self, path: str) -> Any:
        return self.client.delete("/api/v1" + path)

    def upload(self, path: str, data: dict) -> Any:
        return self.client.post("/api/v1" + path, data)  # multipart
