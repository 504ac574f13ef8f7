"""The marketplaces' simulators: ``integrations.simulators.<code>`` for each registered marketplace.

Found by that name, so a new marketplace adds no line here. Each module has ``create_app(config)``
and ``CONFIG``, the type of its config (``state.SimConfig`` or a subclass); they are mounted at
/sim/<code> in development and test (``integrations.plugin``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from integrations.adapters.registry import MARKETPLACES

SIMULATORS: dict[str, ModuleType] = {
    code: importlib.import_module(f"integrations.simulators.{code}") for code in MARKETPLACES
}
