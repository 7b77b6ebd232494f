"""`python -m ai_automation [--host H] [--port P]`: serve the ai-automation API with uvicorn."""

from __future__ import annotations

from ai_automation.settings import AiAutomationSettings
from homeiq_shared.serve import serve


def main(argv: list[str] | None = None) -> None:
    """Parse `--host`/`--port` (overriding the settings) and serve."""
    serve(
        "ai_automation.app:create_app",
        AiAutomationSettings,
        "python -m ai_automation",
        argv,
        description=__doc__,
    )


if __name__ == "__main__":
    main()
