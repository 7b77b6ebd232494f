#!/usr/bin/env python3
"""Run the pre-production pipeline: generate -> train -> validate -> report over the services' HTTP APIs.

Exit 0 when READY, 1 when NOT READY, 2 for bad arguments. See `--help` and README.md.
"""

from __future__ import annotations

from gateway.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
