"""Typed HTTP contracts: every answer both services give, parsed with the same models by the gateway.

- `problems`: RFC 9457 problem details (every 4xx/5xx).
- `health`: `/health` of both services (checks, served models, storage).
- `model_info`: `GET <prefix>/model-info`, the served production model of a task or registry name.
- `versions`: list, show, promote, rollback and compare model versions.
- `training`: `/train/status`, the run-table view, the nightly job's start answer.
- `ha`: `/api/ha/*` ingest answers.
- `home_type`, `synthetic_homes`, `synergies`, `automations`: ai-automation's own requests and answers.
- `devices`: device-intelligence's own requests and answers.
- `home_views`: one HA home as the HA integration reads it (its type, its devices' risk).

Contracts hold shapes only: no service code, no I/O.
"""
