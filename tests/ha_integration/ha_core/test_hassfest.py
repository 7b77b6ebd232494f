"""Offline hassfest-style checks: manifest keys, translations complete and in sync, actions described."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3] / "services" / "ha_integration" / "custom_components" / "homeiq"
MANIFEST = json.loads((ROOT / "manifest.json").read_text())
STRINGS = json.loads((ROOT / "strings.json").read_text())


def test_manifest_has_what_hassfest_requires_for_a_custom_integration() -> None:
    assert MANIFEST["domain"] == ROOT.name == "homeiq"
    for key in ("name", "version", "codeowners", "documentation", "iot_class", "integration_type"):
        assert MANIFEST[key], key
    assert MANIFEST["config_flow"] is True
    assert MANIFEST["iot_class"] in {"local_polling", "local_push"}
    assert MANIFEST["requirements"] == []  # the ML stays in the services
    assert re.fullmatch(r"\d+\.\d+\.\d+", MANIFEST["version"])
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])  # hassfest's order: domain, name, then alphabetical


def test_english_translation_is_strings_json() -> None:
    assert json.loads((ROOT / "translations" / "en.json").read_text()) == STRINGS


def test_every_translation_key_the_code_uses_is_translated() -> None:
    source = "\n".join(p.read_text() for p in ROOT.glob("*.py"))
    entity = STRINGS["entity"]
    for platform in ("sensor", "binary_sensor"):
        tree = ast.parse((ROOT / f"{platform}.py").read_text())
        used = {
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in entity[platform]
        }
        assert used, platform
    for key in entity["sensor"] | entity["binary_sensor"]:
        assert f'"{key}"' in source, f"translated but unused: {key}"
    for issue in STRINGS["issues"]:
        assert f'"{issue}"' in source, f"issue {issue} never raised"
    for step in STRINGS["config"]["step"]:
        assert f"async_step_{step}" in source
    for error in STRINGS["config"]["error"]:
        assert f'"{error}"' in source


def test_placeholders_of_each_issue_are_given() -> None:
    issues_py = (ROOT / "issues.py").read_text()
    for key in ("device", "probability", "horizon", "risk_level", "drivers", "advice"):
        assert f'"{key}"' in issues_py
    for issue, text in STRINGS["issues"].items():
        for placeholder in re.findall(r"\{(\w+)\}", text["title"] + text["description"]):
            assert f'"{placeholder}"' in issues_py, f"{issue}: {{{placeholder}}}"


def test_actions_are_described_and_translated() -> None:
    services = yaml.safe_load((ROOT / "services.yaml").read_text())
    assert set(services) == set(STRINGS["services"]) == {"suggest", "feedback"}
    for name, spec in services.items():
        assert set(spec["fields"]) == set(STRINGS["services"][name]["fields"])


def test_one_folder_installs_it() -> None:
    """Copying custom_components/homeiq is the whole install: no import from outside the folder."""
    for path in ROOT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                top = node.module.split(".")[0]
                assert top in {
                    "__future__",
                    "homeassistant",
                    "aiohttp",
                    "voluptuous",
                    "collections",
                    "dataclasses",
                    "datetime",
                    "typing",
                    "logging",
                    "math",
                    "asyncio",
                }, (path.name, node.module)
