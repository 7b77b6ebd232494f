"""Path parameters both services take, validated by pattern and length before a route runs.

An id in a URL reaches the registry and the file system; one over 255 characters would fail there
(`ENAMETOOLONG`) as a 500. Declared here once, they are refused as a 422 problem and documented in
the OpenAPI spec with their pattern, length and an example.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from homeiq_shared.contracts.versions import VERSION_PATTERN

DATASET_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

VersionParam = Annotated[
    str,
    Path(
        pattern=VERSION_PATTERN,
        max_length=64,
        description="A registered version id",
        examples=["v0001-20261201T030000Z"],
    ),
]
DatasetIdParam = Annotated[
    str,
    Path(
        pattern=DATASET_ID_PATTERN,
        max_length=64,
        description="A generated dataset's id",
        examples=["ds-20261201T030000-a1b2c3"],
    ),
]
