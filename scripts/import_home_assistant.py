#!/usr/bin/env python
"""Import a Home Assistant config folder (recorder database + .storage registries) into HomeIQ ML.

Without service URLs it writes into both services' default local storage (to seed a fresh install);
with --ai-url/--device-url it sends the data to running services. HA's files are only read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


def _local_targets() -> list[tuple[str, str, Any]]:
    """Each service's default database, and how it stores a batch (device telemetry derived with it)."""
    from ai_automation.settings import AiAutomationSettings
    from device_intelligence.ingest.ha_events import TelemetryDeriver
    from device_intelligence.settings import DeviceIntelligenceSettings

    return [
        ("ai-automation", AiAutomationSettings().resolved_database_url(), None),
        ("device-intelligence", DeviceIntelligenceSettings().resolved_database_url(), TelemetryDeriver),
    ]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, import, print what was found and stored."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--config-dir", required=True, type=Path, help="HA config folder (holds home-assistant_v2.db)"
    )
    parser.add_argument("--home-id", default="default", help="id under which the home is stored")
    parser.add_argument("--ai-url", help="running ai-automation service, e.g. http://127.0.0.1:8018")
    parser.add_argument(
        "--device-url", help="running device-intelligence service, e.g. http://127.0.0.1:8019"
    )
    parser.add_argument(
        "--api-key", default=os.environ.get("HOMEIQ_API_KEY"), help="API key (env HOMEIQ_API_KEY)"
    )
    args = parser.parse_args(argv)
    # Imported once the arguments parse: SQLAlchemy and FastAPI take a second or two, `--help` need not wait.
    from homeiq_shared.ha_import import import_into_database
    from homeiq_shared.ha_import_http import send_config_dir
    from homeiq_shared.ha_recorder import RecorderError
    from homeiq_shared.ha_registries import RegistryError

    console = Console()
    if not args.config_dir.is_dir():
        console.print(f"[red]error:[/red] {args.config_dir} is not a folder")
        return 2
    rows: list[tuple[str, dict[str, Any]]] = []
    try:
        with console.status("importing..."):
            if args.ai_url or args.device_url:
                for name, url in (("ai-automation", args.ai_url), ("device-intelligence", args.device_url)):
                    if url:
                        rows.append(
                            (name, send_config_dir(args.config_dir, url, args.home_id, api_key=args.api_key))
                        )
            else:
                for name, db_url, store_factory in _local_targets():
                    report = asyncio.run(
                        import_into_database(db_url, args.config_dir, args.home_id, store_factory)
                    )
                    rows.append((name, report.to_dict()))
    except (RecorderError, RegistryError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    for name, figures in rows:
        table = Table(title=f"{name}: {args.config_dir}")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key, value in figures.items():
            table.add_row(key, str(value))
        console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
