"""A path on the service's own disk given in a request body (an HA config folder, a dataset folder)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

NAME_MAX = 255
"""The longest file name (one path component) the usual file systems take."""


def _fits_the_file_system(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a path cannot hold a NUL character")
    if any(len(part.encode()) > NAME_MAX for part in value.split("/")):
        raise ValueError(f"each part of a path must be at most {NAME_MAX} bytes")
    return value


ServerPath = Annotated[
    str,
    Field(min_length=1, max_length=4096, examples=["/data/homeassistant"]),
    AfterValidator(_fits_the_file_system),
]
"""1-4096 characters, each `/`-separated part at most 255 bytes: longer fails as a 422, not as the file
system's `ENAMETOOLONG` (a 500)."""
