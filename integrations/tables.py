"""Tables of the integrations app: marketplaces, seller accounts, listings, sync outbox."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from agrimarket.tables import Cooperative, Household, Product, User


class Marketplace(Table):
    """A marketplace we sync to; rows are seeded idempotently at start-up (see listings.service)."""

    id = Serial(primary_key=True)
    code = Varchar(length=20, unique=True)
    name = Varchar(length=60)
    # The partner's published limit; workers together stay under it.
    rate_limit_per_s = DoublePrecision(default=5.0)
    enabled = Boolean(default=True)


class MarketplaceAccount(Table):
    """A household's or cooperative's seller account on one marketplace."""

    id = Serial(primary_key=True)
    marketplace = ForeignKey(Marketplace, on_delete=OnDelete.restrict, index=True)
    owner_household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    owner_cooperative = ForeignKey(
        Cooperative, null=True, default=None, on_delete=OnDelete.cascade, index=True
    )
    shop_id = Varchar(length=80)
    credentials_encrypted = Text()  # Fernet token of the JSON credentials
    needs_attention = Boolean(default=False)
    attention_reason = Varchar(length=300, default="")
    created_at = Timestamptz()
    # Epoch seconds until which one process holds the right to renew the account's tokens.
    token_lease_until = DoublePrecision(default=0.0)
    # Epoch seconds of the last order pull's start: the next pull asks from a little before it.
    orders_pulled_at = DoublePrecision(default=0.0)


class Listing(Table):
    """One product on one marketplace (unique per product + marketplace, see the migration)."""

    id = Serial(primary_key=True)
    # Kept when the product is deleted: the history still counts for past dates.
    product = ForeignKey(Product, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    marketplace = ForeignKey(Marketplace, on_delete=OnDelete.restrict, index=True)
    account = ForeignKey(MarketplaceAccount, null=True, default=None, on_delete=OnDelete.set_null)
    # The producing household (or cooperative), copied so the indicator survives product deletion.
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    cooperative = ForeignKey(Cooperative, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    state = Varchar(length=10, default="pending", index=True)  # pending | live | rejected | delisted
    wanted = Varchar(length=10, default="live")  # live | delisted: what the next sync must reach
    external_id = Varchar(length=80, null=True, default=None)
    external_url = Varchar(length=400, null=True, default=None)
    reason_vi = Varchar(length=400, default="")
    reason_en = Varchar(length=400, default="")
    version = Integer(default=1)
    synced_version = Integer(default=0)
    # Stock share (oversell guard): push share_percent % of what is left after holding reserve_units back.
    share_percent = Integer(default=100)
    reserve_units = Integer(default=0)
    # "Cần kiểm tra": its sync job gave up; check_reason is the last error (shown to the farmer).
    needs_check = Boolean(default=False)
    check_reason = Varchar(length=400, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ListingHistory(Table):
    """Append-only state changes; never updated or deleted (the indicator reads past dates from it)."""

    id = Serial(primary_key=True)
    listing = ForeignKey(Listing, on_delete=OnDelete.restrict, index=True)
    marketplace = ForeignKey(Marketplace, on_delete=OnDelete.restrict)
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    cooperative = ForeignKey(Cooperative, null=True, default=None, on_delete=OnDelete.set_null)
    from_state = Varchar(length=10, null=True, default=None)
    to_state = Varchar(length=10)
    version = Integer()
    reason = Varchar(length=400, default="")
    at = Timestamptz(index=True)


class ListingSpan(Table):
    """A stretch of time a listing was live: a read model of ListingHistory for the indicator.

    Rebuilt from the listing's history by every ``append_history`` (same transaction), so the history
    stays the only truth. ``live_until`` is the next state change (None while still live); a listing
    is live at a cutoff when ``live_from < cutoff <= live_until``. The listing's product and its
    owner's commune and province are copied in, so an area's live listings are one index range
    (``listing_span_area``) with no join per row.
    """

    id = Serial(primary_key=True)
    listing = ForeignKey(Listing, on_delete=OnDelete.restrict, index=True)
    marketplace = ForeignKey(Marketplace, on_delete=OnDelete.restrict)
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.set_null)
    cooperative = ForeignKey(Cooperative, null=True, default=None, on_delete=OnDelete.set_null)
    live_from = Timestamptz()
    live_until = Timestamptz(null=True, default=None)
    product = Integer(null=True, default=None)  # the listing's (a listing never changes product)
    commune = Varchar(length=10, null=True, default=None)  # the household's, or the cooperative's
    province = Varchar(length=10, null=True, default=None)


class SyncJob(Table):
    """The outbox: one row per listing, coalesced (its version is the newest to send)."""

    id = Serial(primary_key=True)
    listing = ForeignKey(Listing, on_delete=OnDelete.cascade, unique=True)
    marketplace = ForeignKey(Marketplace, on_delete=OnDelete.restrict, index=True)
    action = Varchar(length=10, default="publish")  # publish | update | delist (last one decided)
    version = Integer()
    status = Varchar(length=10, default="queued", index=True)  # queued | running | done | dead
    attempts = Integer(default=0)
    # Epoch seconds: compared in raw SQL on both engines.
    next_attempt_at = DoublePrecision(default=0.0, index=True)
    claimed_until = DoublePrecision(default=0.0)
    claim_token = Varchar(length=40, default="")
    last_error = Text(default="")
    # Epoch seconds of the first failure since the last success (0: not failing): a job dies only
    # after failing for INTEGRATIONS_GIVE_UP_SECONDS.
    failing_since = DoublePrecision(default=0.0)
    # JSON {call: failures}: attempts is the most any one API call has failed (see sync.outbox).
    call_failures = Text(default="{}")
    updated_at = Timestamptz()


class MarketplaceSale(Table):
    """A sale a marketplace reported; unique per marketplace, order and item (see the migration), so
    the same report arriving twice takes the stock down once."""

    id = Serial(primary_key=True)
    marketplace = ForeignKey(Marketplace, on_delete=OnDelete.restrict)
    listing = ForeignKey(Listing, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    product = ForeignKey(Product, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    order_ref = Varchar(length=80)
    external_id = Varchar(length=80)
    quantity = Integer()
    stock_after = Integer()  # our stock once this sale was taken off (0 when it oversold)
    at = Timestamptz()


class MarketplaceOrder(Table):
    """A buyer's order on a marketplace; one row per marketplace and order id (unique, see the
    migration), whether it came by webhook, by pull, or both. Its stock effect is the
    MarketplaceSale rows of its items (same marketplace and order_ref)."""

    id = Serial(primary_key=True)
    marketplace = ForeignKey(Marketplace, on_delete=OnDelete.restrict)
    order_ref = Varchar(length=80)
    # The seller: the household or cooperative owning the ordered listings.
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    cooperative = ForeignKey(Cooperative, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    placed_at = Timestamptz(index=True)
    amount_vnd = BigInt()
    status = Varchar(length=10)  # placed | shipped | delivered | cancelled | returned
    status_at = Timestamptz()
    created_at = Timestamptz()
    # The order desk (issue 20): the marketplace's deadline to confirm or ship (NULL when it gave
    # none, and for orders recorded before the desk), how the buyer pays, where it goes.
    act_by = Timestamptz(null=True, default=None)
    payment = Varchar(length=7, null=True, default=None)  # cod | prepaid
    commune = Varchar(length=100, default="")
    # Where the order stands on the desk (adapters.desk.DESK_STAGES; "" for orders recorded before
    # the desk: read as desk.STATUS_STAGE[status]) and since when, as the marketplace last said.
    stage = Varchar(length=20, default="")
    stage_at = Timestamptz(null=True, default=None)
    tracking_number = Varchar(length=60, default="")
    carrier = Varchar(length=60, default="")
    # The marketplace's fees and what it pays the seller (NULL: not reported yet), and whether paid.
    fees_vnd = BigInt(null=True, default=None)
    payout_vnd = BigInt(null=True, default=None)
    paid_out = Boolean(default=False)
    # When the farmer put the items' stock back after a cancellation ("trả lại kho"; once per order).
    restocked_at = Timestamptz(null=True, default=None)
    # When the seller was told the deadline is under 4 hours away (``orders.deadlines``; once per order).
    deadline_warned_at = Timestamptz(null=True, default=None)


class OrderItem(Table):
    """One line of an order: which of our listings (and products), how many, at what unit price."""

    id = Serial(primary_key=True)
    order = ForeignKey(MarketplaceOrder, on_delete=OnDelete.cascade, index=True)
    listing = ForeignKey(Listing, null=True, default=None, on_delete=OnDelete.set_null)
    product = ForeignKey(Product, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    external_id = Varchar(length=80)
    quantity = Integer()
    price_vnd = BigInt()


class OrderStatusChange(Table):
    """Append-only history of an order's statuses and desk stages (the first row is how it arrived);
    a row whose status stays the same is a change of stage only."""

    id = Serial(primary_key=True)
    order = ForeignKey(MarketplaceOrder, on_delete=OnDelete.cascade, index=True)
    from_status = Varchar(length=10, null=True, default=None)
    to_status = Varchar(length=10)
    source = Varchar(length=10)  # webhook | pull | action (the answer to one of our order actions)
    at = Timestamptz()  # when the marketplace says the status changed
    from_stage = Varchar(length=20, default="")
    to_stage = Varchar(length=20, default="")
    # When we learnt it (our clock; NULL before the desk): the timeline's order beside our actions.
    recorded_at = Timestamptz(null=True, default=None)


class OrderAction(Table):
    """The order desk's outbox: one farmer's action on an order, sent to its marketplace by the sync
    worker (claimed with a lease like SyncJob; times in epoch seconds for the same raw SQL on both
    engines). Unique per order and idempotency key (see the migration)."""

    id = Serial(primary_key=True)
    order = ForeignKey(MarketplaceOrder, on_delete=OnDelete.cascade, index=True)
    marketplace = ForeignKey(Marketplace, on_delete=OnDelete.restrict)
    kind = Varchar(length=20)  # confirm | cancel | answer_cancellation | arrange_shipment
    parameters = Text(default="{}")  # JSON: {"reason"} | {"accept"} | a ShipmentChoice
    idempotency_key = Varchar(length=100)
    actor = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    status = Varchar(length=10, default="queued", index=True)  # queued | running | done | failed | dead
    attempts = Integer(default=0)
    failing_since = DoublePrecision(default=0.0)
    next_attempt_at = DoublePrecision(default=0.0, index=True)
    claimed_until = DoublePrecision(default=0.0)
    claim_token = Varchar(length=40, default="")
    last_error = Text(default="")
    # The marketplace's refusal (failed), in its own words; what it answered (done), as JSON.
    reason_vi = Varchar(length=400, default="")
    reason_en = Varchar(length=400, default="")
    result = Text(default="{}")
    requested_at = Timestamptz()
    done_at = Timestamptz(null=True, default=None)


class RateBucket(Table):
    """Per-marketplace send schedule shared by every worker process (see sync.ratelimit)."""

    id = Serial(primary_key=True)
    marketplace = Varchar(length=20, unique=True)
    next_slot = DoublePrecision(default=0.0)


class WebhookReceipt(Table):
    """A signed webhook already taken, so a replay of it changes nothing (see integrations.webhooks).

    Unique per marketplace and key (see the migration); kept only while its signature's timestamp
    is inside the tolerance, after which the signature itself is refused.
    """

    id = Serial(primary_key=True)
    marketplace = Varchar(length=20)
    key = Varchar(length=100)  # "id:<event_id>" when the event names one, else "sig:<v1 hex>"
    signed_at = DoublePrecision(index=True)  # the signature's timestamp, epoch seconds
