"""A membership that ends takes down the listings the cooperative's shop pushed for the household
(through the outbox), keeps the household's own, and tells the household (issue 17 §1)."""

from __future__ import annotations

from integrations.tables import Listing
from tests.integrations.conftest import drain
from tests.integrations.helpers import connect, product_with_photo, publish


async def _member_listed_both_ways(client, accounts, worker):
    """A member with one product listed by the cooperative's Voso shop and one on its own Postmart shop."""
    manager, coop_id = await accounts.coop_manager()
    member = await accounts.household()
    await accounts.join(manager, coop_id, member)
    await connect(client, manager, "voso", "htx-1")
    await connect(client, member, "postmart", "ho-1")
    household_id = member.me["household_id"]
    by_coop = await product_with_photo(accounts, manager, name="Na dai", owner_household_id=household_id)
    own = await product_with_photo(accounts, member, name="Mật ong")
    assert (await publish(client, manager, by_coop["id"], "voso")).status_code == 202
    assert (await publish(client, member, own["id"], "postmart")).status_code == 202
    await drain(worker)
    assert {r["state"] for r in await Listing.select(Listing.state)} == {"live"}
    return manager, coop_id, member, by_coop["id"], own["id"]


async def _states() -> dict[int, str]:
    return {r["product"]: r["state"] for r in await Listing.select(Listing.product, Listing.state)}


async def test_leaving_takes_down_the_cooperative_shop_listings_and_tells_the_household(
    client, accounts, worker, sims
):
    _, coop_id, member, by_coop, own = await _member_listed_both_ways(client, accounts, worker)
    leave = f"/api/v1/cooperatives/{coop_id}/members/{member.me['household_id']}"
    assert (await client.delete(leave, headers=member.headers)).status_code == 204
    await drain(worker)
    assert await _states() == {by_coop: "delisted", own: "live"}
    assert not sims["voso"].state.live_items("htx-1")
    assert sims["postmart"].state.live_items("ho-1")
    # The product itself stays the household's, and it is told.
    assert (await client.get(f"/api/v1/products/{by_coop}", headers=member.headers)).status_code == 200
    notice = (await client.get("/api/v1/me/cooperative", headers=member.headers)).json()["notices"][0]
    assert notice["ended_by"] == "household" and notice["listings_taken_down"] == 1


async def test_removal_by_the_manager_does_the_same(client, accounts, worker, sims):
    manager, coop_id, member, by_coop, own = await _member_listed_both_ways(client, accounts, worker)
    remove = f"/api/v1/cooperatives/{coop_id}/members/{member.me['household_id']}"
    assert (await client.delete(remove, headers=manager.headers)).status_code == 204
    await drain(worker)
    assert await _states() == {by_coop: "delisted", own: "live"}
    # The manager can no longer publish it again through the cooperative's shop.
    assert (await publish(client, manager, by_coop, "voso")).status_code == 404
    notice = (await client.get("/api/v1/me/cooperative", headers=member.headers)).json()["notices"][0]
    assert notice["ended_by"] == "cooperative" and notice["listings_taken_down"] == 1
