""" "My data" covers every table with a household or user reference, in all three apps: a new table
(or column) holding one fails here until a data part reads it or an exclusion below says why not."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer
from piccolo.conf.apps import Finder
from piccolo.table import Table

from agrimarket.app import connect_apps
from agrimarket.privacy.my_data import parts
from agrimarket.tables import Household, User

# Plain integer columns that hold a household's or an account's id without a foreign key.
ID_NAMES = {"household", "household_id", "user_id"}

# Columns holding a user id that are not the subject's data: who did something to a row that
# belongs to someone else (or to the subject, and is exported through its owner column).
EXCLUDED = {
    # Authors and deciders: the officer, manager or admin who acted; the row is its owner's,
    # exported through the owner's column (product.owner_household, growing_area.owner_household…).
    "product.created_by",
    "household_import.created_by",  # an officer's upload of a commune's list
    "declared_listing.declared_by",
    "training_session.created_by",  # the session itself is in training_attendance's rows
    "product_supplier.added_by",
    "growing_area.status_changed_by",
    "growing_area.created_by",
    "packing_facility.status_changed_by",
    "packing_facility.created_by",
    "batch.cleared_by",
    "batch.created_by",
    "batch_event.author",
    "batch_partner.created_by",
    "stamp_issue.created_by",
    "order_action.actor",  # the farmer's or manager's action on an order, exported with the order
    "cooperative.status_changed_by",
    "coop_invitation.invited_by",
    "coop_invitation.approved_by",  # the officer who approved an out-of-province invitation
    "deletion_request.user_id",
    # A repeated write's stored answer (3 days): the write itself is exported where it landed;
    # erased with the account.
    "idempotent_request.user_id",
    # The reader of someone else's data (an officer, a manager): the read is the subject's
    # (data_access_subject.household, exported as "who looked at your data").
    "data_access.user_id",  # the request is exported through deletion_request.household
    "account_claim.decided_by",
    "app_user.assisted_by",  # the manager who signed the account up
    "app_user.household",  # the account row itself is exported whole (app_user.id)
    # Shop listings and their spans are derived from listing_history (exported); spans add nothing.
    "listing_span.household",
    # The indicator's summary: the days a household was selling, derived from its listings' history,
    # its declared listings and its supplies (all exported); it adds nothing and goes with the household.
    "selling_span.household",
}


def _references() -> set[str]:
    found = set()
    for table in Finder().get_table_classes():
        for column in table._meta.columns:
            name = f"{table._meta.tablename}.{column._meta.name}"
            if (
                isinstance(column, ForeignKey)
                and column._foreign_key_meta.resolved_references in (Household, User)
            ) or (
                isinstance(column, Integer)
                and (column._meta.name in ID_NAMES or column._meta.name.endswith("_by"))
            ):
                found.add(name)
    return found


def test_every_household_or_user_reference_is_exported_or_explained():
    connect_apps()
    covered = {name for part in parts() for name in part.covers}
    references = _references()
    missing = references - covered - EXCLUDED
    assert not missing, (
        f"add these to a data part's covers (and read them), or to EXCLUDED with why: {sorted(missing)}"
    )
    stale = (covered | EXCLUDED) - references - {"app_user.id", "household.id"}
    assert not stale, f"covers or EXCLUDED name columns that no longer hold a reference: {sorted(stale)}"
    # Every app takes part: the core cannot read traceability's or integrations' tables itself.
    assert len(parts()) == 3


def test_a_new_table_with_a_household_reference_fails_the_walk(monkeypatch):
    """The walk itself sees a table no part covers (so the test above would fail)."""

    class Newcomer(Table, tablename="newcomer"):
        household = ForeignKey(Household)

    real = Finder.get_table_classes
    monkeypatch.setattr(Finder, "get_table_classes", lambda self, **kw: [*real(self, **kw), Newcomer])
    assert "newcomer.household" in _references() - EXCLUDED
