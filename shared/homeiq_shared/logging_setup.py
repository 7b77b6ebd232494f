"""One logging configuration for services and CLIs."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Configure the root logger once (idempotent: a second call only changes the level)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format=_FORMAT)
    root.setLevel(level.upper())
