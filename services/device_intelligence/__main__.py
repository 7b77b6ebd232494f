"""`python -m device_intelligence [--host H] [--port P]`: serve the device-intelligence API with uvicorn."""

from __future__ import annotations

from device_intelligence.settings import DeviceIntelligenceSettings
from homeiq_shared.serve import serve


def main(argv: list[str] | None = None) -> None:
    """Parse `--host`/`--port` (overriding the settings) and serve."""
    serve(
        "device_intelligence.app:create_app",
        DeviceIntelligenceSettings,
        "python -m device_intelligence",
        argv,
        description=__doc__,
    )


if __name__ == "__main__":
    main()
