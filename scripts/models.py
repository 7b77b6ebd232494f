#!/usr/bin/env python3
"""List, show, compare, promote and roll back model versions of a registry folder or a running service.

Exit 0 done, 1 refused (e.g. quality gates failed without --force), 2 bad arguments, 3 service
unreachable or failing. See `--help`.
"""

from __future__ import annotations

from gateway.registry_cli import main

if __name__ == "__main__":
    raise SystemExit(main())
