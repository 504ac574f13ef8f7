"""Clearing a PHI flag (issue 17 §1): a verified cooperative's manager for an accepted member, an
officer of the area or an admin; never the owner itself, through any account."""

from __future__ import annotations

from datetime import timedelta

from agrimarket.accounts.actor import Role
from tests.traceability.test_areas import make_area
from tests.traceability.test_batches import BATCHES, TODAY, add_spray, make_batch

REASON = {"reason": "Mẫu đã xét nghiệm âm tính dư lượng (phiếu số 12/2026)"}


async def flagged_batch(client, accounts, owner, lot: str = "PHI-1") -> int:
    """A batch of ``owner``'s harvested three days after a spray with a 7-day PHI."""
    product = await accounts.product(owner, name="Rau muống", unit="bo")
    area = await make_area(client, owner)
    batch = await make_batch(
        client,
        owner,
        product["id"],
        area["id"],
        harvest_date=TODAY.isoformat(),
        pack_date=None,
        unit="bo",
        lot_code=lot,
    )
    sprayed = TODAY - timedelta(days=3)
    spray = await add_spray(client, owner, batch["id"], sprayed)
    assert spray.status_code == 201 and spray.json()["flagged"] is True, spray.text
    return batch["id"]


async def test_the_owner_cannot_clear_its_own_flag_through_a_cooperative_of_its_own(client, accounts):
    farmer = await accounts.household()
    batch_id = await flagged_batch(client, accounts, farmer)
    clear = f"{BATCHES}{batch_id}/clear"
    assert (await client.post(clear, json=REASON, headers=farmer.headers)).status_code == 403
    # Its second account: a manager of a cooperative it created itself, which invites its household.
    second, coop_id = await accounts.coop_manager(verified=False)
    invited = await client.post(
        f"/api/v1/cooperatives/{coop_id}/invitations", json={"phone": farmer.phone}, headers=second.headers
    )
    assert invited.status_code == 409  # unverified: it invites nobody
    assert (await client.post(clear, json=REASON, headers=second.headers)).status_code == 404
    # A verified cooperative the household has not accepted reaches nothing either.
    other, other_coop = await accounts.coop_manager(seed=2)
    invited = await client.post(
        f"/api/v1/cooperatives/{other_coop}/invitations", json={"phone": farmer.phone}, headers=other.headers
    )
    assert invited.status_code == 201
    assert (await client.post(clear, json=REASON, headers=other.headers)).status_code == 404


async def test_a_cooperatives_own_batch_is_cleared_by_an_officer_not_its_manager(client, accounts):
    manager, _ = await accounts.coop_manager()
    batch_id = await flagged_batch(client, accounts, manager)
    clear = f"{BATCHES}{batch_id}/clear"
    refused = await client.post(clear, json=REASON, headers=manager.headers)
    assert refused.status_code == 403 and "hộ thành viên" in refused.json()["error"]["message"]
    officer = await accounts.staff(Role.OFFICER, "31")
    assert (await client.post(clear, json=REASON, headers=officer.headers)).status_code == 200


async def test_a_member_batch_is_cleared_by_its_verified_cooperative_only_while_a_member(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    member = await accounts.household()
    await accounts.join(manager, coop_id, member)
    first = await flagged_batch(client, accounts, member)
    second = await flagged_batch(client, accounts, member, "PHI-2")
    admin = await accounts.staff(Role.ADMIN)
    suspend = {"status": "suspended", "reason": "Đang kiểm tra hồ sơ"}
    status = f"/api/v1/cooperatives/{coop_id}/status"
    assert (await client.post(status, json=suspend, headers=admin.headers)).status_code == 200
    suspended = await client.post(f"{BATCHES}{first}/clear", json=REASON, headers=manager.headers)
    assert suspended.status_code == 403
    assert (await client.post(status, json={"status": "verified"}, headers=admin.headers)).status_code == 200
    assert (
        await client.post(f"{BATCHES}{first}/clear", json=REASON, headers=manager.headers)
    ).status_code == 200
    leave = f"/api/v1/cooperatives/{coop_id}/members/{member.me['household_id']}"
    assert (await client.delete(leave, headers=member.headers)).status_code == 204
    assert (
        await client.post(f"{BATCHES}{second}/clear", json=REASON, headers=manager.headers)
    ).status_code == 404
