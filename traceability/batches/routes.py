"""Route handlers of growing areas, packing facilities, batches and the farming diary (registered by the plugin)."""

from traceability.areas.api import GrowingAreaController
from traceability.areas.pages import AreaPages
from traceability.batches.api import BatchController
from traceability.batches.label_pages import BatchLabelPages
from traceability.batches.pages import BatchPages
from traceability.batches.partner_pages import PartnerPages
from traceability.packing.api import PackingFacilityController
from traceability.packing.pages import PackingFacilityPages

ROUTES: list = [
    GrowingAreaController,
    AreaPages,
    BatchController,
    BatchPages,
    PartnerPages,
    BatchLabelPages,
    PackingFacilityController,
    PackingFacilityPages,
]
