from __future__ import annotations

from tests.moto_s3 import s3_endpoint  # noqa: F401 - the fixture, for this directory's tests
