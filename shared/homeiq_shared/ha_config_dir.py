"""An HA config folder opened for import: its recorder database (version checked first) and its registries.

Every importer (local, over HTTP, the CLI's pre-flight check) opens the folder here, so they refuse
the same folders with the same words: not a folder, neither a database nor registries, a database
too old, a Git LFS pointer instead of the database, a malformed registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from homeiq_shared.ha_recorder import RecorderError, RecorderReader, open_readonly
from homeiq_shared.ha_registries import RegistrySnapshot, read_registries

RECORDER_FILE = "home-assistant_v2.db"


@dataclass
class ConfigFolder:
    """What an HA config folder holds; close it (or use it as a context manager) to release the database."""

    path: Path
    reader: RecorderReader | None
    snapshot: RegistrySnapshot

    @property
    def warnings(self) -> list[str]:
        """What the import should say about the folder (e.g. a schema newer than the newest known)."""
        return list(self.reader.warnings) if self.reader is not None else []

    def close(self) -> None:
        """Close the recorder database (and drop its temporary snapshot, if any)."""
        if self.reader is not None:
            self.reader.close()

    def __enter__(self) -> ConfigFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_config_dir(config_dir: Path) -> ConfigFolder:
    """Open `config_dir` read-only: the database's version and layout are checked before the registries are read.

    Raises `RecorderError` or `RegistryError` saying why the folder cannot be imported.
    """
    if not config_dir.exists():
        raise RecorderError(f"{config_dir} is not a folder (it does not exist)")
    if not config_dir.is_dir():
        raise RecorderError(f"{config_dir} is not a folder")
    recorder = config_dir / RECORDER_FILE
    reader = open_readonly(recorder) if recorder.exists() or recorder.is_symlink() else None
    try:
        snapshot = read_registries(config_dir)
        if reader is None and not snapshot.found:
            raise RecorderError(
                f"{config_dir} has neither {RECORDER_FILE} nor .storage registries "
                "(core.area_registry, core.device_registry, core.entity_registry, core.floor_registry): "
                "is it a Home Assistant config folder?"
            )
    except BaseException:
        if reader is not None:
            reader.close()
        raise
    return ConfigFolder(config_dir, reader, snapshot)
