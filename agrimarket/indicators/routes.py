"""Every route handler of the indicators and declared listings, for create_app()."""

from __future__ import annotations

from agrimarket.declared.api import DeclaredListingController, ProductSupplierController
from agrimarket.indicators.api import IndicatorController
from agrimarket.indicators.open_data import OpenDataController
from agrimarket.indicators.pages import IndicatorPages

INDICATOR_HANDLERS = [
    IndicatorController,
    OpenDataController,
    IndicatorPages,
    DeclaredListingController,
    ProductSupplierController,
]
