"""`python -m gateway`: run the pre-production pipeline (same flags as scripts/run_pipeline.py)."""

from __future__ import annotations

from gateway.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
