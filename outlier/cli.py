"""The `outlier` command: Django's management commands under Outlier's settings.

outlier migrate              create or update the database
outlier bootstrap            create the first owner (or print the set-up link)
outlier serve                web server and one worker, in the foreground
outlier worker               a background worker (run as many as you like)
outlier scoop URL --topic S  save an article into a topic
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outlier.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    execute_from_command_line(["outlier", *(args or ["help"])])


if __name__ == "__main__":
    main()
