"""The layer order of DESIGN.md: an app imports only from the apps below it (nothing imports
upward). Apps listed "A, then B" in one layer may have B import A; `sources` comes after
`publishing` (it reads networks through the workspace's channels) and before the inbox;
`digests` (e-mail digests of a topic) after `sources`: `site` only names its URLs."""

from __future__ import annotations

import ast
from pathlib import Path

import outlier

RANK = {
    "core": 1,
    "links": 2, "moderation": 2, "networks": 2,
    "curation": 3,
    "site": 4, "publishing": 4, "federation": 4,
    "sources": 4.5,
    "digests": 4.6,
    "inbox": 5,
    "relationships": 5.5,
    "analytics": 6,
    "api": 7,
}  # fmt: skip
ROOT = Path(outlier.__file__).parent


def imported_apps(path: Path) -> set[str]:
    """The outlier apps a module imports, at its top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "outlier" and len(parts) > 1 and parts[1] in RANK:
                found.add(parts[1])
    return found


def test_every_app_has_a_layer():
    apps = {p.name for p in ROOT.iterdir() if (p / "apps.py").exists() or p.name == "networks"}
    assert apps <= set(RANK), f"give these apps a layer: {sorted(apps - set(RANK))}"


def test_nothing_imports_upward():
    upward = []
    for app, rank in RANK.items():
        for path in sorted((ROOT / app).rglob("*.py")) if (ROOT / app).exists() else []:
            if "migrations" in path.parts:
                continue
            for other in imported_apps(path) - {app}:
                if RANK[other] >= rank:
                    upward.append(f"{path.relative_to(ROOT.parent)} imports outlier.{other}")
    assert not upward, "\n".join(upward)
