"""`python -m <service> [--host H] [--port P]`: what both services' `__main__` modules do."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from homeiq_shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(
    app_factory: Callable[[S], FastAPI],
    settings_cls: type[S],
    prog: str,
    argv: list[str] | None = None,
    description: str | None = None,
) -> None:
    """Parse `--host`/`--port` (overriding the settings) and serve `app_factory(settings)` with uvicorn."""
    fields = settings_cls.model_fields
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", help=f"interface to bind (default: settings, {fields['host'].default})")
    parser.add_argument("--port", type=int, help=f"port (default: settings, {fields['port'].default})")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings_cls(**overrides)
    uvicorn.run(
        app_factory(settings), host=settings.host, port=settings.port, log_level=settings.log_level.lower()
    )
