"""Contract tests: each adapter against its simulator over real HTTP."""

from __future__ import annotations

import pytest

from integrations.adapters.base import Account, CredentialsError, ListingPayload, Rejected, read_photos
from integrations.adapters.postmart import PostmartAdapter
from integrations.adapters.voso import VosoAdapter
from integrations.simulators.clock import SimClock
from integrations.simulators.credentials import demo_credentials
from integrations.simulators.voso import TOKEN_TTL_S as VOSO_TOKEN_TTL_S

ADAPTERS = {"postmart": PostmartAdapter, "voso": VosoAdapter}


def payload(**overrides) -> ListingPayload:
    values = dict(
        sku="agm-1", name="Cá song nuôi lồng", description="Cá tươi Cát Hải", category="thuy_san", unit="kg",
        price_vnd=380_000, stock=120, photo_urls=["http://127.0.0.1/media/a.jpg"], version=1,
    )  # fmt: skip
    return ListingPayload(**(values | overrides))


@pytest.fixture(params=["postmart", "voso"])
async def pair(request, sims):
    code = request.param
    adapter = ADAPTERS[code](sims[code].url, timeout_s=2)
    yield code, adapter, sims[code].state
    await adapter.aclose()


async def test_credentials_checked(pair):
    code, adapter, _ = pair
    await adapter.verify_credentials(Account("shop-1", demo_credentials(code, "shop-1")))
    wrong = {k: "x" * 10 for k in demo_credentials(code, "shop-1")}
    with pytest.raises(CredentialsError):
        await adapter.verify_credentials(Account("shop-1", wrong))
    with pytest.raises(CredentialsError):
        # Valid credentials of another shop do not open this one.
        await adapter.publish(Account("shop-2", demo_credentials(code, "shop-1")), payload(), "k1")


async def test_mapping_and_idempotent_publish(pair):
    code, adapter, state = pair
    account = Account("shop-1", demo_credentials(code, "shop-1"))
    first = await adapter.publish(account, payload(), "1-1")
    again = await adapter.publish(account, payload(), "1-1")
    assert first == again and first.state == "live"
    assert first.external_url.endswith(f"/item/{first.external_id}")
    # A new key for the same sku (e.g. after an unanswered publish) still finds the same item.
    third = await adapter.publish(account, payload(version=2, price_vnd=400_000), "1-2")
    assert third.external_id == first.external_id
    assert len(state.items) == 1
    item = state.items[first.external_id]
    assert item.fields["price"] == 400_000 and item.fields["stock"] == 120
    assert item.fields["category"] in (104, "NS-THUYSAN")
    # An older version arriving late is acknowledged but not applied.
    await adapter.update(account, first.external_id, payload(version=1, price_vnd=1_000), "1-1b")
    assert item.fields["price"] == 400_000
    gone = await adapter.delist(account, first.external_id, "1-3")
    assert gone.state == "delisted"
    assert (await adapter.fetch_status(account, first.external_id)).state == "delisted"


async def test_validation_rejected_with_vietnamese_reason(pair):
    code, adapter, state = pair
    account = Account("shop-1", demo_credentials(code, "shop-1"))
    with pytest.raises(Rejected) as refused:
        await adapter.publish(account, payload(price_vnd=500), "2-1")
    assert "1.000" in refused.value.reason_vi
    with pytest.raises(Rejected) as refused:
        await adapter.publish(account, payload(photo_urls=[]), "2-2")
    assert "ảnh" in refused.value.reason_vi
    assert not state.items


async def test_voso_tokens_expire_on_either_clock_without_waiting(sims):
    """Voso's token lives an hour: one it let expire costs a 401 and one new token; ours is renewed a
    minute before its ``expires_in`` with no 401. Both clocks are moved, nobody waits an hour."""
    ours = SimClock()  # stands in for time.monotonic: any clock that a test can move
    adapter = VosoAdapter(sims["voso"].url, timeout_s=2, clock=ours)
    calls: list[tuple[str, int]] = []

    async def record(response) -> None:
        calls.append((response.request.url.path, response.status_code))

    adapter.client.event_hooks["response"] = [record]
    account = Account("shop-1", demo_credentials("voso", "shop-1"))
    seller = ("/v2/sellers/shop-1", 200)
    try:
        await adapter.verify_credentials(account)
        assert calls == [("/oauth/token", 200), seller]
        calls.clear()
        sims["voso"].state.config.clock.advance(VOSO_TOKEN_TTL_S + 1)  # Voso's hour is up, not ours
        await adapter.verify_credentials(account)
        assert calls == [("/v2/sellers/shop-1", 401), ("/oauth/token", 200), seller]
        calls.clear()
        ours.advance(VOSO_TOKEN_TTL_S - 59)  # our cached token is a minute from its end: renewed first
        await adapter.verify_credentials(account)
        assert calls == [("/oauth/token", 200), seller]
        calls.clear()
        await adapter.verify_credentials(account)
        assert calls == [seller]  # and then reused
    finally:
        await adapter.aclose()


async def test_read_photos_gives_the_first_ones_and_refuses_none_or_an_unreadable_one():
    store = {"p/1.webp": b"one", "p/2.webp": b"two", "p/3.webp": b"three"}

    async def read(key: str) -> bytes:
        return store[key]  # a missing key raises, as a missing file would

    got = [pair async for pair in read_photos(read, list(store), 2)]
    assert got == [("p/1.webp", b"one"), ("p/2.webp", b"two")]
    with pytest.raises(Rejected, match="At least one photo"):
        _ = [pair async for pair in read_photos(read, [], 2)]
    with pytest.raises(Rejected) as unreadable:
        _ = [pair async for pair in read_photos(read, ["p/1.webp", "p/gone.webp"], 9)]
    assert unreadable.value.reason_vi.startswith("Không đọc được ảnh")
