"""Traceability settings, a section of agrimarket.settings.Settings (read from the environment)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TraceabilitySettings:
    pass
