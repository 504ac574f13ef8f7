"""Tables of the agrimarket app: areas, accounts, households, cooperatives, products."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Array,
    BigInt,
    Boolean,
    Bytea,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Province(Table):
    """Province-level unit after the 2025 reform (34), keyed by the statistics office code."""

    code = Varchar(length=2, primary_key=True)
    name = Varchar(length=100)
    division_type = Varchar(length=40)
    codename = Varchar(length=100)
    search_key = Varchar(length=100, index=True)


class Commune(Table):
    """Commune, ward or special zone (đặc khu) after the 2025 reform (3,321)."""

    code = Varchar(length=5, primary_key=True)
    name = Varchar(length=100)
    division_type = Varchar(length=40)
    codename = Varchar(length=100)
    province = ForeignKey(Province, on_delete=OnDelete.restrict, index=True)
    search_key = Varchar(length=100, index=True)


class Cooperative(Table):
    id = Serial(primary_key=True)
    name = Varchar(length=200)
    tax_code = Varchar(length=14, unique=True)
    commune = ForeignKey(Commune, on_delete=OnDelete.restrict, index=True)
    address = Varchar(length=300, default="")
    created_at = Timestamptz()
    # The register (agrimarket.registry_status): a self-registered cooperative is "unverified" and
    # cannot invite until an officer of its province checks it against its tax code.
    status = Varchar(length=12, default="unverified", index=True)
    status_reason = Text(default="")
    status_changed_at = Timestamptz(null=True, default=None)
    status_changed_by = Integer(null=True, default=None)  # a user id, as in AuditEntry


class Household(Table):
    id = Serial(primary_key=True)
    head_name = Varchar(length=120)
    phone = Varchar(length=12, unique=True)
    address = Varchar(length=300, default="")
    commune = ForeignKey(Commune, on_delete=OnDelete.restrict, index=True)
    vpost_code = Varchar(length=20, null=True, default=None)
    # Huyện cũ: the district before the 2025 reform removed that level, as recorded (name or old code),
    # so reports on older records can still group by it. None when unknown.
    legacy_district = Varchar(length=100, null=True, default=None)
    # Current membership; the history lives in CoopMembership.
    cooperative = ForeignKey(Cooperative, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    created_at = Timestamptz()


class CoopMembership(Table):
    """Membership history: a household may leave and join again."""

    id = Serial(primary_key=True)
    cooperative = ForeignKey(Cooperative, on_delete=OnDelete.cascade, index=True)
    household = ForeignKey(Household, on_delete=OnDelete.cascade, index=True)
    joined_at = Timestamptz()
    left_at = Timestamptz(null=True, default=None)
    # Who ended it ("household" left, "cooperative" removed it) and how many listings the
    # cooperative's shop accounts took down then: the household's notice.
    ended_by = Varchar(length=12, default="")
    delisted = Integer(default=0)


class CoopInvitation(Table):
    """A cooperative's invitation to a household: membership is an accepted invitation.

    pending → accepted | declined | cancelled | expired; "awaiting_approval" first when the
    household lives outside the cooperative's province (an officer of that province approves).
    """

    id = Serial(primary_key=True)
    cooperative = ForeignKey(Cooperative, on_delete=OnDelete.cascade, index=True)
    household = ForeignKey(Household, on_delete=OnDelete.cascade, index=True)
    invited_by = Integer(null=True, default=None)  # user ids, as in AuditEntry
    approved_by = Integer(null=True, default=None)
    status = Varchar(length=20, default="pending", index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)


class AccountClaim(Table):
    """A farmer registering with the phone of an account a cooperative made for it (assisted
    sign-up): the chosen password works once an officer of the household's area confirms it with the
    claimant's code."""

    id = Serial(primary_key=True)
    household = ForeignKey(Household, on_delete=OnDelete.cascade, index=True)
    full_name = Varchar(length=120)
    password_hash = Varchar(length=200)
    # SHA-256 of the code shown only to the claimant: the officer asks the phone's owner for it,
    # so a stranger's claim on the same phone cannot be confirmed by a call to the real farmer.
    code_hash = Varchar(length=64)
    wrong_codes = Integer(default=0)
    status = Varchar(length=10, default="pending", index=True)  # pending | confirmed | rejected
    created_at = Timestamptz()
    decided_by = Integer(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)


class User(Table, tablename="app_user"):
    id = Serial(primary_key=True)
    phone = Varchar(length=12, unique=True)
    password_hash = Varchar(length=200)
    full_name = Varchar(length=120)
    role = Varchar(length=20, index=True)
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.set_null)
    cooperative = ForeignKey(Cooperative, null=True, default=None, on_delete=OnDelete.set_null)
    # Officers are scoped to a province or to one commune.
    scope_province = ForeignKey(Province, null=True, default=None, on_delete=OnDelete.restrict)
    scope_commune = ForeignKey(Commune, null=True, default=None, on_delete=OnDelete.restrict)
    language = Varchar(length=2, default="vi")
    is_active = Boolean(default=True)
    created_at = Timestamptz()
    # Assisted sign-up: the coop manager (user id) who created this account. Such an account has
    # no password (password_hash "") until its farmer claims it (AccountClaim).
    assisted_by = Integer(null=True, default=None)


class AuthSession(Table):
    """A login: web cookie or API bearer token. Only the token's hash is stored."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=3)  # web | api
    created_at = Timestamptz()
    expires_at = Timestamptz()
    # The password or a sign-in code re-entered in this session (agrimarket.privacy.fresh): a data
    # request (export, deletion) needs a sign-in or a confirmation within the last few minutes.
    confirmed_at = Timestamptz(null=True, default=None)


class Product(Table):
    id = Serial(primary_key=True)
    # Exactly one owner: a household, or a cooperative for its own products.
    owner_household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    owner_cooperative = ForeignKey(
        Cooperative, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    name = Varchar(length=150)
    category = Varchar(length=30)
    unit = Varchar(length=20)
    price_vnd = BigInt()
    stock = Integer(default=0)
    description = Text(default="")
    harvest_season = Varchar(length=100, default="")
    certifications = Array(base_column=Varchar(length=20), default=list)
    gtin = Varchar(length=14, null=True, default=None)
    # Grams in one selling unit, for units that are not a mass (bó, quả, hộp…); marketplaces
    # price shipping by weight. None: not given (a mass unit such as kg implies it).
    unit_weight_g = Integer(null=True, default=None)
    # The farmer's answers to what a marketplace asks beyond our fields (Shopee's mandatory category
    # attributes such as origin or shelf life): {"<code>.<attribute id>": value}; the questions come
    # from the marketplaces through ``agrimarket.ports`` (``marketplace_fields``).
    marketplace_attributes = JSON(default="{}")
    status = Varchar(length=10, default="active", index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ProductPhoto(Table):
    id = Serial(primary_key=True)
    product = ForeignKey(Product, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    image_key = Varchar(length=200)
    thumb_key = Varchar(length=200)
    width = Integer()
    height = Integer()
    created_at = Timestamptz()


class HouseholdImport(Table):
    """A bulk import of households from a commune's spreadsheet; progress survives page reloads."""

    id = Serial(primary_key=True)
    filename = Varchar(length=200)
    status = Varchar(length=10, default="running", index=True)  # running | done | failed
    total_rows = Integer(default=0)
    processed_rows = Integer(default=0)
    imported = Integer(default=0)
    already_present = Integer(default=0)  # phone already registered: left unchanged
    rejected = Integer(default=0)
    error = Text(default="")
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    created_at = Timestamptz()
    # Touched after every chunk: a running import not touched for minutes was interrupted.
    heartbeat_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


class HouseholdImportProblem(Table):
    """A rejected row of an import, with the reason in Vietnamese (kept out of public media)."""

    id = Serial(primary_key=True)
    household_import = ForeignKey(HouseholdImport, on_delete=OnDelete.cascade, index=True)
    row_number = Integer()
    phone = Varchar(length=40, default="")
    reason = Text()


class DeclaredListing(Table):
    """Online selling we do not sync (Shopee, a Facebook/Zalo shop…), declared by an officer or coop manager.

    Exactly one of household / cooperative. Counted by the indicator from ``from_date`` to
    ``to_date`` (open-ended when None), flagged as declared.
    """

    id = Serial(primary_key=True)
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    cooperative = ForeignKey(Cooperative, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    marketplace = Varchar(length=20, index=True)  # a key of agrimarket.declared.catalog.MARKETPLACES
    shop_url = Varchar(length=400)
    from_date = Date()
    to_date = Date(null=True, default=None)
    declared_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class SellingSpan(Table):
    """The indicator's pre-aggregated history: the days a household was selling online, merged.

    Kept by ``agrimarket.indicators.summary`` (its docstring says when and why). Days are half-open,
    ``from_day <= D < to_day``; ``to_day`` 9999-12-31 while still selling (not NULL: "covers D" is
    then one index range on ``to_day``). One household has disjoint spans per
    level: ``market`` and ``source`` '' mean "any", so (market '', source '') answers "selling at all",
    (market '', source 'synced'/'declared') by kind, (market code, source '') by marketplace. Commune,
    province and legacy district are the household's current ones, copied so an area is one index range.
    """

    id = Serial(primary_key=True)
    household = ForeignKey(Household, on_delete=OnDelete.cascade, index=True)
    market = Varchar(length=20, default="")
    source = Varchar(length=10, default="")
    from_day = Date()
    to_day = Date()
    commune = Varchar(length=10)
    province = Varchar(length=10)
    legacy_district = Varchar(length=100, null=True, default=None)


class SellingMonth(Table):
    """The indicator's chart, pre-aggregated: households selling at month ends, as net changes per
    month, commune and kind (``source`` '' any, 'synced', 'declared').

    A ``selling_span`` row [from_day, to_day) adds 1 in the month of ``from_day`` and takes 1 back in
    the month of ``to_day``, so the households selling at the end of month M are the sum of
    ``delta`` over the months up to M: a few rows per commune and month, however many households.
    Kept with ``selling_span`` by ``agrimarket.indicators.summary`` (unique: commune, source, month).
    """

    id = Serial(primary_key=True)
    month = Date()  # its first day
    commune = Varchar(length=10)
    province = Varchar(length=10)
    source = Varchar(length=10, default="")
    delta = Integer(default=0)


class TrainingSession(Table):
    """An e-commerce training session for farmers, recorded by an officer or a coop manager."""

    id = Serial(primary_key=True)
    held_on = Date(index=True)
    commune = ForeignKey(Commune, on_delete=OnDelete.restrict, index=True)
    topic = Varchar(length=200)
    trainer = Varchar(length=120)
    # Set when a coop manager recorded it: the cooperative's session, its members attend.
    cooperative = ForeignKey(Cooperative, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class TrainingAttendance(Table):
    """A household that attended a session (unique per session and household, see the migration)."""

    id = Serial(primary_key=True)
    session = ForeignKey(TrainingSession, on_delete=OnDelete.cascade, index=True)
    household = ForeignKey(Household, on_delete=OnDelete.cascade, index=True)
    added_at = Timestamptz()


class ProductSupplier(Table):
    """A member household whose produce is in a cooperative's product.

    Removal only sets ``removed_at``: the indicator for a past date keeps the links valid then.
    """

    id = Serial(primary_key=True)
    product = ForeignKey(Product, on_delete=OnDelete.cascade, index=True)
    household = ForeignKey(Household, on_delete=OnDelete.cascade, index=True)
    added_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    added_at = Timestamptz()
    removed_at = Timestamptz(null=True, default=None)


class SharedValue(Table, tablename="shared_value"):
    """A key/value row of the PostgreSQL Litestar store (rate-limit counters shared by all processes)."""

    key = Varchar(length=300, primary_key=True)
    value = Bytea()
    # Epoch seconds (None: never), so expiry is one comparison with the caller's clock.
    expires_at = DoublePrecision(null=True, default=None)


class BankAccount(Table):
    """Where a household or cooperative receives bank transfers: the public product page shows a
    VietQR code for it. One per owner; exactly one of the owner columns is set."""

    id = Serial(primary_key=True)
    owner_household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.cascade, unique=True)
    owner_cooperative = ForeignKey(
        Cooperative, null=True, default=None, on_delete=OnDelete.cascade, unique=True
    )
    bank_bin = Varchar(length=6)  # NAPAS BIN of the bank, from the VietQR bank list
    account_number = Varchar(length=19)
    account_name = Varchar(length=50)  # upper-case, without diacritics, as banks show it
    updated_at = Timestamptz()


class AuditEntry(Table):
    """One change to a product, listing, growing area, batch, stamp, account or role.

    Append-only: no route changes it and a trigger refuses UPDATE (migration 2026-11-23T20:41:10),
    but for redacting an erased household's identifiers once (migration 2026-12-06T22:30:00).
    Ids are plain integers, not foreign keys, so the entry outlives what it names.
    """

    id = Serial(primary_key=True)
    at = Timestamptz(index=True)
    user_id = Integer(null=True, default=None)  # None: the system (a marketplace, a worker)
    user_name = Varchar(length=120, default="")
    role = Varchar(length=20, default="")
    entity = Varchar(length=30)  # product, listing, growing_area, batch, stamp, account…
    entity_id = Integer(null=True, default=None, index=True)
    action = Varchar(length=30)  # create, update, delete, status, revoke…
    changes = JSON(default="{}")  # field -> {"from": old, "to": new}, or the values set
    # Whose data it is: the cooperative reads the entries of its own rows and its members' rows.
    household = Integer(null=True, default=None, index=True)
    cooperative = Integer(null=True, default=None, index=True)
    client_address = Varchar(length=45, default="")  # from where: the client's IP address
    user_agent = Varchar(length=200, default="")
    # The one update allowed (once): an erased household's identifiers blanked (agrimarket.privacy.deletion).
    redacted = Boolean(default=False)


class Message(Table):
    """A notification to a household (or to a cooperative's manager): shown in the in-app inbox,
    and sent through a channel by its ``MessageDelivery`` row (``agrimarket.messages``)."""

    id = Serial(primary_key=True)
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=30)
    text = Text()  # Vietnamese, short: what the household reads in Zalo, SMS and the inbox
    link = Varchar(length=300, default="")
    # The kind's template parameters (Zalo ZNS template_data), strings.
    params = JSON(default="{}")
    urgent = Boolean(default=False)
    # What caused it ("order:12:h:3"): one event handled twice makes one message.
    cause = Varchar(length=120, unique=True)
    created_at = Timestamptz(index=True)
    read_at = Timestamptz(null=True, default=None)


class MessageDelivery(Table):
    """The outbox row of one message: written with it, claimed by the delivery worker, and its fate
    (sent through which channel, refused, held for quiet hours, over the daily cap) kept for the admin.
    Times the worker compares are epoch seconds, so the same SQL runs on SQLite and PostgreSQL."""

    id = Serial(primary_key=True)
    message = ForeignKey(Message, on_delete=OnDelete.cascade, unique=True)
    phone = Varchar(length=12, index=True)
    # queued | running | sent | failed | inbox (no channel wanted) | capped (over the daily cap)
    status = Varchar(length=10, default="queued", index=True)
    channels = Varchar(length=60, default="")  # the channels still to try, in order ("zalo,sms")
    attempts = Integer(default=0)
    next_attempt_at = DoublePrecision(default=0.0)
    claimed_until = DoublePrecision(default=0.0)
    claim_token = Varchar(length=32, default="")
    sent_channel = Varchar(length=10, default="")
    provider_id = Varchar(length=100, default="")
    sent_at = Timestamptz(null=True, default=None)
    # When the provider reported the message on the phone (Zalo's user_received_message receipt).
    delivered_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    log = JSON(default="[]")  # [{"at", "channel", "result"}]: what happened, for the admin
    updated_at = Timestamptz()


class MessagePreference(Table):
    """Which kinds a household wants sent to its phone, and through which channel (the inbox shows
    every message whatever it chose)."""

    id = Serial(primary_key=True)
    household = ForeignKey(Household, on_delete=OnDelete.cascade, unique=True)
    channel = Varchar(length=10, default="zalo")  # zalo (then SMS) | sms | push | inbox
    muted_kinds = Varchar(length=400, default="")  # comma-separated kinds not sent to the phone
    updated_at = Timestamptz()


class PushSubscription(Table):
    """A browser's Web Push subscription (PushManager.subscribe), for the user who made it."""

    id = Serial(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    endpoint = Varchar(length=500, unique=True)
    p256dh = Varchar(length=120)
    auth = Varchar(length=40)
    created_at = Timestamptz()


class SignInCode(Table):
    """A one-time sign-in code sent to a phone ("Đăng nhập bằng mã"): only its keyed hash is kept;
    valid 5 minutes, once, and refused after 5 wrong tries."""

    id = Serial(primary_key=True)
    phone = Varchar(length=12, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    code_hash = Varchar(length=64)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    wrong_tries = Integer(default=0)


class IdempotentRequest(Table):
    """A write sent with an ``Idempotency-Key`` and the answer it got (agrimarket.web.idempotency):
    a repeat of the key gets this answer instead of a second write. Kept for a few days."""

    id = Serial(primary_key=True)
    user_id = Integer()  # unique with key (migration 2026-12-06T22:50:00); the record outlives no one
    key = Varchar(length=100)
    fingerprint = Varchar(length=64)  # the request's method, path and body (sha256)
    status_code = Integer()
    headers = JSON(default="{}")  # the answer's content-type, location and htmx headers
    body = Bytea(default=b"")
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)


class Consent(Table):
    """One answer to one purpose of the privacy notice (agrimarket.privacy.notice): given or
    withdrawn, under which notice version, when. Append-only history; the newest row per purpose
    is the answer in force."""

    id = Serial(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=30)
    granted = Boolean()
    notice_version = Varchar(length=20)
    at = Timestamptz(index=True)


class DeletionRequest(Table):
    """A household's request to close its account: erased after the grace period unless cancelled
    (agrimarket.privacy.deletion). Plain ids, not foreign keys: the row outlives the erasure as its
    record, without any of the data."""

    id = Serial(primary_key=True)
    household = Integer(index=True)
    user_id = Integer()
    status = Varchar(length=10, default="pending", index=True)  # pending | cancelled | done
    requested_at = Timestamptz()
    erase_after = Timestamptz(index=True)
    done_at = Timestamptz(null=True, default=None)


class DataAccess(Table):
    """One read of households' personal data by someone other than the household (an officer's
    list or export, a manager's look at a member, an admin's look-up): the processing log
    (``agrimarket.privacy.access_log``). Whose data it was is in ``DataAccessSubject``.

    Append-only: no route changes it and a trigger refuses UPDATE (migration 2026-12-06T22:40:00).
    Ids are plain integers, not foreign keys, as in AuditEntry, so the entry outlives what it names.
    """

    id = Serial(primary_key=True)
    at = Timestamptz(index=True)
    user_id = Integer(null=True, default=None)
    user_name = Varchar(length=120, default="")
    role = Varchar(length=20, default="")
    what = Varchar(length=200)  # the page or query read, in Vietnamese ("danh sách hộ xã 11914")
    reason = Text(default="")  # why, when the path asks (the household list export with phones)
    subjects = Integer(default=0)  # how many households the read showed
    # Which households (a hash of their ids): the same read again within minutes (a page that
    # refreshes itself) is not written twice.
    digest = Varchar(length=32, default="")


class DataAccessSubject(Table):
    """One household whose data a ``DataAccess`` read showed; (household, access) is indexed, so a
    household's "who looked at my data" is one index range."""

    id = Serial(primary_key=True)
    access = Integer()
    household = Integer()
