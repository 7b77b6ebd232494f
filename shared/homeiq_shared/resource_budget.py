"""Refuse a request whose estimated output would not fit: disk left in its folder, memory left on the box.

A single in-schema request can ask for more than the machine has (a dataset of 1,000 homes x 83 days
is ~50 GB; training on 4,000 devices x 1,000 days ~9 GB of memory). Each such route estimates what
the request will write and hold from figures measured on this code (see each estimate's caller),
and `check` compares the estimate with what is free *now*, keeping a reserve, before any work starts.
The refusal (507, a problem detail) says the estimate, what is available and the setting to change.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from homeiq_shared.errors import DomainError
from homeiq_shared.settings import ServiceSettings

GIB = 1024**3
MIB = 1024**2


class InsufficientResourcesError(DomainError):
    """The request's estimated disk or memory use exceeds what the machine has free (keeping a reserve)."""

    status = 507
    title = "Insufficient resources"
    slug = "insufficient-resources"


@dataclass(frozen=True)
class Estimate:
    """What one request is expected to write to disk and hold in memory at its peak (bytes)."""

    what: str
    disk_bytes: int = 0
    memory_bytes: int = 0


@dataclass(frozen=True)
class Budget:
    """The reserve kept: disk left free in the output folder, and the share of available memory usable."""

    keep_free_disk_bytes: int = GIB
    memory_fraction: float = 0.8

    @classmethod
    def of(cls, settings: ServiceSettings) -> Budget:
        """The service's configured reserve (`KEEP_FREE_DISK_MB`, `MEMORY_FRACTION`)."""
        return cls(settings.keep_free_disk_mb * MIB, settings.memory_fraction)


def free_disk_bytes(folder: Path) -> int:
    """Free bytes on the file system that holds `folder` (or its nearest existing parent)."""
    probe = folder.resolve()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def available_memory_bytes() -> int | None:
    """Memory the kernel says can be given to a new allocation without swapping (Linux: MemAvailable)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None  # unknown: the memory side is not checked


def _size(n: float) -> str:
    return f"{n / GIB:.1f} GiB" if n >= GIB else f"{n / MIB:.0f} MiB"


def check_fits(estimate: Estimate, folder: Path, settings: ServiceSettings) -> None:
    """Raise `InsufficientResourcesError` when `estimate` does not fit now with the service's reserve."""
    prefix = settings.model_config.get("env_prefix", "")
    hint = f"{prefix}KEEP_FREE_DISK_MB / {prefix}MEMORY_FRACTION"
    check(estimate, folder, Budget.of(settings), hint)


def check(estimate: Estimate, folder: Path, budget: Budget, setting_hint: str) -> None:
    """Raise `InsufficientResourcesError` when `estimate` does not fit now; return otherwise."""
    if estimate.disk_bytes:
        usable = free_disk_bytes(folder) - budget.keep_free_disk_bytes
        if estimate.disk_bytes > usable:
            raise InsufficientResourcesError(
                f"{estimate.what} would write about {_size(estimate.disk_bytes)} to {folder.name or folder}, "
                f"but only {_size(max(usable, 0))} is free there after keeping "
                f"{_size(budget.keep_free_disk_bytes)} in reserve; ask for less or free space ({setting_hint})",
                resource="disk",
                estimate_bytes=estimate.disk_bytes,
                available_bytes=max(usable, 0),
            )
    available = available_memory_bytes()
    if estimate.memory_bytes and available is not None:
        usable = int(available * budget.memory_fraction)
        if estimate.memory_bytes > usable:
            raise InsufficientResourcesError(
                f"{estimate.what} would need about {_size(estimate.memory_bytes)} of memory, but only "
                f"{_size(usable)} is available ({budget.memory_fraction:.0%} of {_size(available)} free); "
                f"ask for less ({setting_hint})",
                resource="memory",
                estimate_bytes=estimate.memory_bytes,
                available_bytes=usable,
            )
