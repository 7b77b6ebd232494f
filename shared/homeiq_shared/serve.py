"""`python -m <service> [--host H] [--port P]`: what both services' `__main__` modules do."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from homeiq_shared.settings import ServiceSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

S = TypeVar("S", bound=ServiceSettings)


def serve(
    app_factory: str,
    settings_cls: type[S],
    prog: str,
    argv: list[str] | None = None,
    description: str | None = None,
) -> None:
    """Parse `--host`/`--port` (overriding the settings) and serve `app_factory(settings)` with uvicorn.

    `app_factory` names the factory as `module:function`; it, FastAPI and uvicorn are imported only
    once the arguments parse, so `--help` and a bad flag answer at once.
    """
    fields = settings_cls.model_fields
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", help=f"interface to bind (default: settings, {fields['host'].default})")
    parser.add_argument("--port", type=int, help=f"port (default: settings, {fields['port'].default})")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings_cls(**overrides)
    import uvicorn

    module, _, name = app_factory.partition(":")
    create_app: Callable[[S], FastAPI] = getattr(importlib.import_module(module), name)
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level.lower()
    )
