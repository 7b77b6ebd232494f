#!/usr/bin/env python
"""Import a Home Assistant config folder (recorder database + .storage registries) into HomeIQ ML.

Without service URLs it writes into both services' default local storage (to seed a fresh install);
with --ai-url/--device-url it sends the data to running services. HA's files are only read (the
folder stays byte-identical). Recorder schema v30 to v53 import, a newer one with a warning.
Exit codes: 0 imported, 2 the folder or its database cannot be imported (the reason is printed),
3 a service could not be reached or refused the data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any


def _local_targets() -> list[tuple[str, str, Any]]:
    """Each service's default database, and how it stores a batch (device telemetry derived with it)."""
    from ai_automation.settings import AiAutomationSettings
    from device_intelligence.ingest.ha_events import TelemetryDeriver
    from device_intelligence.settings import DeviceIntelligenceSettings

    return [
        ("ai-automation", AiAutomationSettings().resolved_database_url(), None),
        ("device-intelligence", DeviceIntelligenceSettings().resolved_database_url(), TelemetryDeriver),
    ]


def _preflight(config_dir: Path) -> list[str]:
    """Open the folder as every importer does (database version first) before anything heavy is imported.

    Returns the warnings to show; raises `RecorderError` or `RegistryError` with the reason it cannot
    be imported (no folder, nothing of HA's in it, a database too old, a Git LFS pointer...).
    """
    from homeiq_shared.ha_config_dir import open_config_dir

    with open_config_dir(config_dir) as folder:
        return folder.warnings


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
    from rich.console import Console

    from homeiq_shared.ha_recorder import RecorderError
    from homeiq_shared.ha_registries import RegistryError

    console = Console()
    try:
        warnings = _preflight(args.config_dir)
    except (RecorderError, RegistryError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    for warning in warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    # Imported once the folder checks out: SQLAlchemy and FastAPI take a second or two, `--help` need not wait.
    import httpx

    from homeiq_shared.ha_import import import_into_database
    from homeiq_shared.ha_import_http import send_config_dir

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
    except httpx.HTTPStatusError as exc:
        detail = exc.response.text[:300]
        console.print(
            f"[red]error:[/red] the service answered {exc.response.status_code} to {exc.request.url}: {detail}"
        )
        return 3
    except httpx.HTTPError as exc:
        console.print(f"[red]error:[/red] cannot reach the service ({type(exc).__name__}: {exc})")
        return 3
    from rich.table import Table

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
