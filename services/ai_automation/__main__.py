"""`python -m ai_automation [--host H] [--port P]`: serve the ai-automation API with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings


def main(argv: list[str] | None = None) -> None:
    """Parse `--host`/`--port` (overriding the settings) and serve."""
    parser = argparse.ArgumentParser(prog="python -m ai_automation", description=__doc__)
    parser.add_argument("--host", help="interface to bind (default: settings, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: settings, 8018)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = AiAutomationSettings(**overrides)
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level.lower()
    )


if __name__ == "__main__":
    main()
