"""`scripts/models.py`: list, show, compare, promote and roll back model versions (a folder or a service)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.registry_backends import Backend

# Kept here, not imported: `--help` answers before numpy, httpx or a service package is imported.
HOME_TYPE_MODELS = ("home_type_full", "home_type_binary")
MODEL_NAMES = (*HOME_TYPE_MODELS, "failure_prediction", "anomaly_detection")
DEFAULT_ACTOR = "models.py"
EPILOG = """\
exit status: 0 done, 1 refused (quality gates failed without --force, a 409 or 401 from the
service), 2 bad arguments (unknown version or model), 3 service unreachable or failing (5xx).

examples:
  models.py list --models-dir runs/<id>/device_intelligence/models --model failure_prediction
  models.py compare v0001-... v0002-... --model home_type_full --url http://localhost:8024
  models.py promote v0002-... --force --reason "reviewed by hand" --model failure_prediction --url ...

--models-dir is an offline tool: it changes the registry folder only (gates and sha256 checked), and a
service already running on it keeps serving its loaded model until restarted; compare needs the
service (--url). Use --url for a running service (the API key from --api-key or HOMEIQ_API_KEY).
"""


def _common() -> argparse.ArgumentParser:
    """Options accepted before or after the command (SUPPRESS: a later position does not reset them)."""
    p = argparse.ArgumentParser(add_help=False)
    s = argparse.SUPPRESS
    p.add_argument("--model", choices=MODEL_NAMES, default=s, help="registry model name")
    p.add_argument("--models-dir", type=Path, default=s, help="a registry folder (…/models)")
    p.add_argument("--url", default=s, help="a running service, e.g. http://localhost:8028")
    p.add_argument("--api-key", default=s, help="API key of mutating calls (default env HOMEIQ_API_KEY)")
    p.add_argument("--actor", default=s, help=f"who is recorded as promoting ({DEFAULT_ACTOR})")
    p.add_argument("--timeout", type=float, default=s, help="seconds to wait for the service (300)")
    p.add_argument("--json", action="store_true", default=s, help="print JSON instead of tables")
    return p


def build_parser() -> argparse.ArgumentParser:
    """The commands and their flags."""
    common = _common()
    parser = argparse.ArgumentParser(
        prog="models.py",
        description="List, show, compare, promote and roll back model versions of a registry folder or "
        "of a running service.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", parents=[common], help="every kept version, which one is production")
    show = commands.add_parser("show", parents=[common], help="one version's metadata and switches")
    show.add_argument("version")
    compare = commands.add_parser(
        "compare", parents=[common], help="score A and B on B's held-out data (rebuilt)"
    )
    compare.add_argument("a")
    compare.add_argument("b")
    promote = commands.add_parser("promote", parents=[common], help="make VERSION production")
    promote.add_argument("version")
    promote.add_argument("--force", action="store_true", help="even though its quality gates failed")
    promote.add_argument("--reason", help="why (recorded in the registry history)")
    rollback = commands.add_parser("rollback", parents=[common], help="serve the previous version again")
    rollback.add_argument("--reason", help="why (recorded in the registry history)")
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parsed arguments with defaults filled in; SystemExit(2) for bad ones."""
    parser = build_parser()
    args = parser.parse_args(argv)
    defaults: dict[str, Any] = {
        "model": None, "models_dir": None, "url": None, "api_key": os.environ.get("HOMEIQ_API_KEY") or None,
        "actor": DEFAULT_ACTOR, "timeout": 300.0, "json": False, "force": False, "reason": None,
    }  # fmt: skip
    for key, value in defaults.items():
        if not hasattr(args, key):
            setattr(args, key, value)
    if (args.models_dir is None) == (args.url is None):
        parser.error("give exactly one of --models-dir DIR or --url URL")
    if not 1 <= len(args.actor) <= 64:
        parser.error("--actor must be 1 to 64 characters")
    if args.reason is not None and not 1 <= len(args.reason) <= 500:
        parser.error("--reason must be 1 to 500 characters")
    return args


def _backend(args: argparse.Namespace) -> Backend:
    from gateway.registry_backends import EXIT_BAD_ARGS, CliError, FolderBackend, HttpBackend

    if args.url is not None:
        if args.model is None:
            raise CliError(EXIT_BAD_ARGS, f"--model is needed with --url (one of {', '.join(MODEL_NAMES)})")
        return HttpBackend(args.url, args.api_key, args.timeout)
    folder = FolderBackend(args.models_dir)
    if args.model is None:
        found = folder.known_models()
        if len(found) != 1:
            raise CliError(
                EXIT_BAD_ARGS, f"name the model with --model; {args.models_dir} holds {found or 'none'}"
            )
        args.model = found[0]
    return folder


def _run(args: argparse.Namespace, backend: Backend) -> dict[str, Any]:
    model = args.model
    if args.command == "list":
        return backend.list_versions(model)
    if args.command == "show":
        return backend.show(model, args.version)
    if args.command == "compare":
        return backend.compare(model, args.a, args.b)
    if args.command == "promote":
        return backend.promote(model, args.version, args.force, args.reason, args.actor)
    return backend.rollback(model, args.reason, args.actor)


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit 0 done, 1 refused, 2 bad arguments, 3 service unreachable or failing."""
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    from pydantic import ValidationError
    from rich.console import Console

    from gateway.registry_backends import EXIT_UNAVAILABLE, CliError, exit_code_for
    from homeiq_shared.errors import DomainError

    out, err = Console(), Console(stderr=True)
    try:
        result = _run(args, _backend(args))
    except CliError as exc:
        err.print(f"[red]error:[/] {exc.message}", highlight=False)
        return exc.code
    except DomainError as exc:  # folder mode: the shared registry rules' own refusals
        err.print(f"[red]{exc.title}:[/] {exc.detail}", highlight=False)
        return exit_code_for(exc.status)
    except ValidationError as exc:
        err.print(f"[red]error:[/] the service answered an unexpected shape: {exc}", highlight=False)
        return EXIT_UNAVAILABLE
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
    else:
        from gateway.registry_render import render

        render(out, args.command, result)
    return 0
