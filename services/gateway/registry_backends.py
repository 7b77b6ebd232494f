"""What `models.py` acts on: a registry folder (offline, with homeiq_shared only) or a running service's API.

The folder mode is an operator's offline tool, not part of the pipeline: it switches aliases with the
same shared rules the services apply (gates, recorded actor and reason, sha256 checked); comparing
versions needs the service's own code and is only done over HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from gateway.registry_cli import HOME_TYPE_MODELS, MODEL_NAMES
from homeiq_shared.artifacts import ArtifactIntegrityError
from homeiq_shared.contracts.versions import (
    ComparisonResponse,
    VersionDetail,
    VersionList,
    VersionSwitchResponse,
)
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.version_control import (
    gates_verdict,
    promote_explicitly,
    rollback_explicitly,
    version_detail,
)

EXIT_OK, EXIT_REFUSED, EXIT_BAD_ARGS, EXIT_UNAVAILABLE = 0, 1, 2, 3
HEADLINE: dict[str, tuple[str, Sequence[str]]] = {
    "failure_prediction": ("pr_auc", ("metrics", "pr_auc")),
    "anomaly_detection": ("device_health_pr_auc", ("metrics", "device_health", "pr_auc")),
    "home_type_full": ("cv_macro_f1", ("metrics", "cross_validation", "macro_f1", "mean")),
    "home_type_binary": ("cv_macro_f1", ("metrics", "cross_validation", "macro_f1", "mean")),
}
"""The one figure `list` shows per model: its label and its path in the version's metadata."""


class CliError(Exception):
    """A command that cannot be done; `code` is the exit status (1 refused, 2 bad arguments, 3 unavailable)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def exit_code_for(status: int) -> int:
    """Exit status of an HTTP-like status: refusals (401, 403, 409) 1, other 4xx 2, 5xx 3."""
    if status >= 500:
        return EXIT_UNAVAILABLE
    return EXIT_REFUSED if status in (401, 403, 409) else EXIT_BAD_ARGS


def task_of(model: str) -> str:
    """home_type_full -> full (the services' `task`)."""
    return model.removeprefix("home_type_")


def _compare_refused(model: str) -> CliError:
    return CliError(
        EXIT_BAD_ARGS,
        f"compare scores failure_prediction or home_type_* versions; {model} versions are promoted with "
        "the failure version they were trained with",
    )


class Backend(Protocol):
    """The five commands, answering plain dicts in the services' contract shapes."""

    def list_versions(self, model: str) -> dict[str, Any]:
        """Every kept version, oldest first."""

    def show(self, model: str, version: str) -> dict[str, Any]:
        """One version's details."""

    def compare(self, model: str, a: str, b: str) -> dict[str, Any]:
        """Both versions on b's held-out data."""

    def promote(
        self, model: str, version: str, force: bool, reason: str | None, actor: str
    ) -> dict[str, Any]:
        """Make `version` production."""

    def rollback(self, model: str, reason: str | None, actor: str) -> dict[str, Any]:
        """Serve the previous version again."""


def _dig(metadata: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = metadata
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


class FolderBackend:
    """A registry folder on this machine (e.g. runs/<id>/device_intelligence/models).

    A service already running on that folder keeps serving the model it loaded until it restarts.
    """

    def __init__(self, models_dir: Path) -> None:
        if not models_dir.is_dir():
            raise CliError(EXIT_BAD_ARGS, f"{models_dir} is not a folder")
        self.registry = ModelRegistry(models_dir)

    def known_models(self) -> list[str]:
        """The model names of MODEL_NAMES that have a version here."""
        return [name for name in self.registry.model_names() if name in MODEL_NAMES]

    def list_versions(self, model: str) -> dict[str, Any]:
        """Every kept version with its gates and headline figure, and which ones production and previous name."""
        aliases = self.registry.aliases(model)
        label, path = HEADLINE[model]
        rows = [
            {
                "version": v.version,
                "created_at": v.created_at,
                "trigger": v.metadata.get("trigger"),
                "gates_verdict": gates_verdict(v.metadata),
                "is_production": v.version == aliases.get("production"),
                "is_previous": v.version == aliases.get("previous"),
                "metrics": {label: _dig(v.metadata, path)},
            }
            for v in self.registry.versions(model)
        ]
        return {
            "model": model,
            "production": aliases.get("production"),
            "previous": aliases.get("previous"),
            "versions": rows,
        }

    def show(self, model: str, version: str) -> dict[str, Any]:
        """The version's metadata, gates and the switches that named it."""
        return version_detail(self.registry, model, version)

    def compare(self, model: str, a: str, b: str) -> dict[str, Any]:
        """Refused offline: rebuilding b's held-out data takes the service's own code (use --url)."""
        raise CliError(
            EXIT_BAD_ARGS,
            "compare rebuilds b's held-out data with the service's own code: run it against the service "
            "(--url), not a folder",
        )

    def _checked(self, model: str, version: str) -> None:
        """Every artifact of the version still matches its recorded sha256 (what a service checks at load)."""
        try:
            for name in self.registry.get(model, version).artifact_names:
                self.registry.read_artifact(model, version, name)
        except ArtifactIntegrityError as exc:
            raise CliError(EXIT_REFUSED, f"{model} {version} will not load: {exc}") from exc

    def _paired(self, model: str, version: str) -> list[tuple[str, str]]:
        """For a failure version, the kept anomaly version registered with it (switched in the same write)."""
        if model != "failure_prediction":
            return []
        for v in reversed(self.registry.versions("anomaly_detection")):
            if v.metadata.get("paired_failure_version") == version:
                self._checked("anomaly_detection", v.version)
                return [("anomaly_detection", v.version)]
        return []

    def promote(
        self, model: str, version: str, force: bool, reason: str | None, actor: str
    ) -> dict[str, Any]:
        """Gates checked, artifacts checked, a failure version's anomaly pair kept with it, who and why recorded."""
        self._checked(model, version)
        switched = promote_explicitly(
            self.registry, model, version, force=force, reason=reason, actor=actor,
            paired=self._paired(model, version),
        )  # fmt: skip
        return switched | {"production": self.registry.aliases(model).get("production")}

    def rollback(self, model: str, reason: str | None, actor: str) -> dict[str, Any]:
        """The previous version becomes production again with its anomaly pair (artifacts checked first)."""
        previous = self.registry.aliases(model).get("previous")
        paired: list[tuple[str, str]] = []
        if previous is not None:
            self._checked(model, previous)
            # the pair recorded with `previous` switches with it; this is used only when none was recorded
            paired = self._paired(model, previous)
            recorded = self.registry.aliases(model).get("previous_paired") or {}
            for name, other in recorded.items():
                self._checked(name, other)
        switched = rollback_explicitly(self.registry, model, reason=reason, actor=actor, paired=paired)
        return switched | {"production": self.registry.aliases(model).get("production")}


class HttpBackend:
    """A running service (ai-automation for home_type_*, device-intelligence for the others)."""

    def __init__(self, url: str, api_key: str | None, timeout_s: float) -> None:
        import httpx

        from gateway.service_clients import API_KEY_HEADER

        headers = {API_KEY_HEADER: api_key} if api_key else {}
        self.client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout_s)
        self.url = url

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        from gateway.service_clients import problem_from_response

        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise CliError(
                EXIT_UNAVAILABLE, f"{self.url} is unreachable: {type(exc).__name__}: {exc}"
            ) from exc
        if response.status_code >= 400:
            error = problem_from_response(self.url, f"{method} {path}", response)
            raise CliError(exit_code_for(response.status_code), str(error))
        try:
            return response.json()
        except ValueError as exc:
            raise CliError(EXIT_UNAVAILABLE, f"{self.url} answered {method} {path} with no JSON") from exc

    @staticmethod
    def _where(model: str) -> tuple[str, dict[str, str]]:
        """The service's path prefix for `model` and the query naming it."""
        if model in HOME_TYPE_MODELS:
            return "/api/home-type/models", {"task": task_of(model)}
        return "/api/predictions/models", {"model": model}

    def list_versions(self, model: str) -> dict[str, Any]:
        """GET .../models: the version list both services answer (headline figures as each names them)."""
        prefix, query = self._where(model)
        body = VersionList.model_validate(self._call("GET", prefix, params=query))
        rows = [
            {"version": v.version, "created_at": v.created_at, "trigger": v.trigger,
             "gates_verdict": v.gates_verdict, "is_production": v.is_production, "is_previous": v.is_previous,
             "metrics": dict(v.headline)}
            for v in body.versions
        ]  # fmt: skip
        return {"model": model, "production": body.production, "previous": body.previous, "versions": rows}

    def show(self, model: str, version: str) -> dict[str, Any]:
        """GET .../models/{version}: the version's details with its artifacts' sha256."""
        prefix, query = self._where(model)
        return VersionDetail.model_validate(
            self._call("GET", f"{prefix}/{version}", params=query)
        ).model_dump()

    def compare(self, model: str, a: str, b: str) -> dict[str, Any]:
        """POST .../models/compare."""
        if model not in HOME_TYPE_MODELS and model != "failure_prediction":
            raise _compare_refused(model)
        prefix, query = self._where(model)
        answer = self._call("POST", f"{prefix}/compare", json={"a": a, "b": b, **query})
        return ComparisonResponse.model_validate(answer).model_dump()

    def promote(
        self, model: str, version: str, force: bool, reason: str | None, actor: str
    ) -> dict[str, Any]:
        """POST .../models/{version}/promote (needs the API key when the service has one)."""
        prefix, query = self._where(model)
        body = {"force": force, "actor": actor, **({"reason": reason} if reason else {})}
        answer = self._call("POST", f"{prefix}/{version}/promote", params=query, json=body)
        return VersionSwitchResponse.model_validate(answer).model_dump()

    def rollback(self, model: str, reason: str | None, actor: str) -> dict[str, Any]:
        """POST .../models/rollback."""
        prefix, query = self._where(model)
        body = {"actor": actor, **({"reason": reason} if reason else {})}
        answer = self._call("POST", f"{prefix}/rollback", params=query, json=body)
        return VersionSwitchResponse.model_validate(answer).model_dump()
