"""HTTP clients of the two services: timeouts, safe retries and RFC 9457 problem-details errors."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from homeiq_shared.contracts import devices, home_type
from homeiq_shared.contracts.automations import SuggestAnswer
from homeiq_shared.contracts.health import Health
from homeiq_shared.contracts.model_info import ModelInfoResponse
from homeiq_shared.contracts.synergies import DetectAnswer
from homeiq_shared.contracts.synthetic_homes import DatasetInfo, HomeFiles
from homeiq_shared.contracts.versions import VersionDetail

logger = logging.getLogger(__name__)

API_KEY_HEADER = "X-HomeIQ-API-Key"
# Statuses that mean "not ready yet / overloaded", worth another try for idempotent calls.
_RETRY_STATUSES = frozenset({502, 503, 504})
_BACKOFF_S = (0.2, 0.6, 1.5)
AnswerT = TypeVar("AnswerT", bound=BaseModel)


class ServiceError(Exception):
    """A call to a service failed: unreachable, timed out, or answered with an error status."""

    def __init__(
        self,
        service: str,
        operation: str,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        problem_type: str | None = None,
    ) -> None:
        self.service = service
        self.operation = operation
        self.detail = detail
        self.status = status
        self.title = title
        self.problem_type = problem_type
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.service} {self.operation}"
        if self.status is None:
            return f"{where}: {self.detail}"
        title = f" {self.title}" if self.title else ""
        return f"{where}: HTTP {self.status}{title}: {self.detail}"


def problem_from_response(service: str, operation: str, response: httpx.Response) -> ServiceError:
    """Turn an error response (problem+json, other JSON or text) into a `ServiceError`."""
    title: str | None = None
    problem_type: str | None = None
    detail = response.text.strip()[:500] or response.reason_phrase
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        title = str(body["title"]) if body.get("title") else None
        problem_type = str(body["type"]) if body.get("type") else None
        if body.get("detail"):
            detail = str(body["detail"])
    return ServiceError(
        service, operation, detail, status=response.status_code, title=title, problem_type=problem_type
    )


def parse(model: type[AnswerT], body: Any, service: str, operation: str) -> AnswerT:
    """`body` as the contract `model`, or a `ServiceError` saying which fields broke the contract."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}" for e in exc.errors()[:4]
        )
        raise ServiceError(
            service, operation, f"the answer does not match the {model.__name__} contract: {problems}"
        ) from exc


@dataclass(frozen=True)
class HealthStatus:
    """What one `GET /health` said (`health` is None when the answer is not the Health contract)."""

    reachable: bool
    status_code: int | None
    health: Health | None = None
    error: str | None = None

    @property
    def healthy(self) -> bool:
        """True for a 200 answer in the Health contract (healthy, or degraded: no model served yet)."""
        return self.status_code == 200 and self.health is not None


class ServiceClient:
    """JSON-over-HTTP client of one HomeIQ service (an `httpx.AsyncClient` with our error rules)."""

    def __init__(
        self,
        name: str,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 600.0,
        connect_timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        headers = {"Accept": "application/json, application/problem+json"}
        if api_key:
            headers[API_KEY_HEADER] = api_key
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotent: bool | None = None,
        expected: tuple[int, ...] = (200, 201),
    ) -> Any:
        """Send one call and return its JSON body; raise `ServiceError` with the service's own words.

        A refused connection is always retried (nothing reached the service); a timeout or a
        502/503/504 answer is retried only for idempotent calls (GET by default), so a training
        run is never started twice.
        """
        operation = f"{method} {path}"
        safe = method == "GET" if idempotent is None else idempotent
        attempts = len(_BACKOFF_S) + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._client.request(method, path, json=json, params=params)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if not last:
                    await asyncio.sleep(_BACKOFF_S[attempt])
                    continue
                raise ServiceError(
                    self.name, operation, f"unreachable at {self.base_url} ({type(exc).__name__}: {exc})"
                ) from exc
            except httpx.TimeoutException as exc:
                if safe and not last:
                    await asyncio.sleep(_BACKOFF_S[attempt])
                    continue
                raise ServiceError(self.name, operation, f"timed out ({type(exc).__name__})") from exc
            except httpx.HTTPError as exc:
                raise ServiceError(self.name, operation, f"{type(exc).__name__}: {exc}") from exc
            if response.status_code in _RETRY_STATUSES and safe and not last:
                logger.info("%s answered %s to %s, retrying", self.name, response.status_code, operation)
                await asyncio.sleep(_BACKOFF_S[attempt])
                continue
            if response.status_code not in expected:
                raise problem_from_response(self.name, operation, response)
            try:
                return response.json()
            except ValueError as exc:
                raise ServiceError(
                    self.name, operation, "answered with a body that is not JSON", status=response.status_code
                ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def request_as(self, model: type[AnswerT], method: str, path: str, **kwargs: Any) -> AnswerT:
        """`request`, its answer parsed with the contract `model` (a mismatch is a `ServiceError`)."""
        return parse(model, await self.request(method, path, **kwargs), self.name, f"{method} {path}")

    async def health(self, timeout_s: float = 5.0) -> HealthStatus:
        """One `GET /health`, never raising: 200 healthy or degraded, 503 with the failing checks, or unreachable."""
        try:
            response = await self._client.get("/health", timeout=timeout_s)
        except httpx.HTTPError as exc:
            return HealthStatus(
                False, None, None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            )
        try:
            return HealthStatus(True, response.status_code, Health.model_validate(response.json()))
        except ValueError as exc:  # not JSON, or not the Health contract (ValidationError is a ValueError)
            return HealthStatus(True, response.status_code, None, f"not the Health contract: {exc}"[:300])


class AiAutomationClient(ServiceClient):
    """Calls of ai-automation: synthetic homes and the home-type classifier."""

    def __init__(self, base_url: str, api_key: str | None = None, **kwargs: Any) -> None:
        super().__init__("ai-automation", base_url, api_key, **kwargs)

    async def generate_homes(self, count: int, days: int, seed: int, **options: Any) -> DatasetInfo:
        """`POST /api/synthetic-homes`: generate a dataset and return its id and summary."""
        body = {"count": count, "days": days, "seed": seed, **options}
        return await self.request_as(DatasetInfo, "POST", "/api/synthetic-homes", json=body)

    async def dataset_homes(self, dataset_id: str, limit: int) -> HomeFiles:
        """`GET /api/synthetic-homes/{dataset_id}/homes`: the dataset's first `limit` home files, whole."""
        return await self.request_as(
            HomeFiles, "GET", f"/api/synthetic-homes/{dataset_id}/homes", params={"limit": limit}
        )

    async def train_home_type(
        self, dataset_id: str, task: str, test_size: float, seed: int, promote: bool
    ) -> home_type.TrainResponse:
        """`POST /api/home-type/train` for one task (`promote`: when its gates pass and it is not worse)."""
        body = home_type.TrainRequest.model_validate(
            {"dataset_id": dataset_id, "task": task, "test_size": test_size, "seed": seed, "promote": promote}
        ).model_dump(mode="json", exclude_none=True)
        return await self.request_as(home_type.TrainResponse, "POST", "/api/home-type/train", json=body)

    async def predict_home_type(
        self, homes: list[dict[str, Any]], task: str
    ) -> list[home_type.HomeTypePrediction]:
        """`POST /api/home-type/predict` with a list of homes; one prediction per home, in order."""
        body = {"homes": homes, "task": task}
        answer = await self.request_as(
            home_type.PredictBatchResponse, "POST", "/api/home-type/predict", json=body, idempotent=True
        )
        return answer.predictions

    async def model_info(self, task: str) -> ModelInfoResponse:
        """`GET /api/home-type/model-info` of one task's production model."""
        return await self.request_as(
            ModelInfoResponse, "GET", "/api/home-type/model-info", params={"task": task}
        )

    async def version_detail(self, task: str, version: str) -> VersionDetail:
        """`GET /api/home-type/models/{version}`: one registered version with its artifacts' sha256."""
        return await self.request_as(
            VersionDetail, "GET", f"/api/home-type/models/{version}", params={"task": task}
        )

    async def detect_synergies(self, snapshot: dict[str, Any], limit: int = 10) -> DetectAnswer:
        """`POST /api/synergies/detect` for a home sent inline (the suggestions are stored)."""
        body = {"snapshot": snapshot, "limit": limit}
        return await self.request_as(DetectAnswer, "POST", "/api/synergies/detect", json=body)

    async def suggest_automation(self, request: str, snapshot: dict[str, Any]) -> SuggestAnswer:
        """`POST /api/automations/suggest`: an automation asked for in words, for a home sent inline."""
        body = {"request": request, "snapshot": snapshot}
        return await self.request_as(SuggestAnswer, "POST", "/api/automations/suggest", json=body)


class DeviceIntelligenceClient(ServiceClient):
    """Calls of device-intelligence: failure prediction and anomaly detection."""

    VERSION_DETAIL = "/api/predictions/models/{version}"

    def __init__(self, base_url: str, api_key: str | None = None, **kwargs: Any) -> None:
        super().__init__("device-intelligence", base_url, api_key, **kwargs)

    async def train(self, **options: Any) -> devices.TrainResponse:
        """`POST /api/predictions/train` with the CLI's options (synthetic data)."""
        body = devices.TrainRequest.model_validate(options).model_dump(mode="json", exclude_none=True)
        return await self.request_as(devices.TrainResponse, "POST", "/api/predictions/train", json=body)

    async def predict(self, device_id: str, metrics: dict[str, float | None]) -> devices.PredictResponse:
        """`POST /api/predictions/predict` for one device snapshot."""
        body = {"device_id": device_id, "metrics": metrics}
        return await self.request_as(
            devices.PredictResponse, "POST", "/api/predictions/predict", json=body, idempotent=True
        )

    async def sensor_anomalies(
        self, entity_id: str, unit: str, readings: list[dict[str, Any]]
    ) -> devices.SensorResponse:
        """`POST /api/anomalies/sensor` for one sensor's value stream."""
        body = {"entity_id": entity_id, "unit": unit, "readings": readings}
        return await self.request_as(
            devices.SensorResponse, "POST", "/api/anomalies/sensor", json=body, idempotent=True
        )

    async def version_detail(self, model: str, version: str) -> VersionDetail:
        """`GET /api/predictions/models/{version}?model=...`: one registered version with its artifacts' sha256."""
        return await self.request_as(
            VersionDetail, "GET", self.VERSION_DETAIL.format(version=version), params={"model": model}
        )
