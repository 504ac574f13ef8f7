"""The register lifecycle lives in the core (cooperatives use it too); kept importable here."""

from agrimarket.registry_status import TRANSITIONS, UNUSABLE, change_status, may_judge, unusable

__all__ = ["TRANSITIONS", "UNUSABLE", "change_status", "may_judge", "unusable"]
