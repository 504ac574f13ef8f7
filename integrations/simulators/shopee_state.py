"""The Shopee simulator's store: its configuration (token lifetimes, shops without shipping) and its
state (numeric item ids like Shopee's, tokens signed rather than stored, used codes, uploaded images)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import math
import secrets
from collections import Counter
from dataclasses import dataclass, field

from integrations.adapters import shopee as contract
from integrations.adapters import shopee_auth as auth
from integrations.simulators.credentials import DEMO_MASTER, shopee_demo_code, shopee_demo_partner_key
from integrations.simulators.state import SimConfig, SimState


@dataclass
class ShopeeConfig(SimConfig):
    access_ttl_s: int = 4 * 3600
    refresh_ttl_s: int = 30 * 86400
    window_s: int = auth.TIMESTAMP_WINDOW_S
    token_secret: bytes = DEMO_MASTER
    # Shops whose seller turned every shipping channel off in Seller Centre (add_item then fails).
    shops_without_shipping: set[str] = field(default_factory=set)
    shops_without_pickup: set[str] = field(default_factory=set)  # their carrier takes drop-offs only


class ShopeeState(SimState):
    """Numeric item ids like Shopee's; tokens, used codes and uploaded images."""

    def __init__(self, config: ShopeeConfig) -> None:
        super().__init__(contract.CODE, config)
        self.config: ShopeeConfig = config
        self._item_ids = itertools.count(100_001 + len(self.items))
        self.used: set[str] = set()  # codes and refresh tokens already traded
        self.superseded: dict[str, float] = {}  # old access token -> until when it still works
        self.images: dict[str, bytes] = {}
        self.catalog_calls: Counter[str] = Counter()  # get_category / get_attribute_tree / get_brand_list
        self.renewals = 0
        # The desk (shopee_desk): writes applied per (order_sn, call); documents made, and looks at them
        self.desk_applied: Counter[tuple[str, str]] = Counter()
        self.documents: dict[tuple[str, str], int] = {}

    def next_id(self) -> str:
        return str(next(self._item_ids))

    def partner_key(self, partner_id: str) -> str | None:
        for creds in self.config.shops.values():
            if creds.get("partner_id") == partner_id:
                return creds["partner_key"]
        return shopee_demo_partner_key(partner_id) if self.config.accept_demo_credentials else None

    def code_ok(self, partner_id: str, shop_id: str, code: str) -> bool:
        configured = self.config.shops.get(shop_id, {})
        if configured.get("partner_id") == partner_id and code == configured.get("code"):
            return code not in self.used  # a real code works once
        # The demo code may be traded again: `make run` reseeds with the same one.
        return self.config.accept_demo_credentials and hmac.compare_digest(
            code, shopee_demo_code(partner_id, shop_id)
        )

    def mint(self, kind: str, partner_id: str, shop_id: str, ttl_s: int) -> str:
        # Rounded up: a token lives at least ttl_s (rounded down, a 1-second token minted late in a
        # second could be dead on arrival).
        expiry, nonce = math.ceil(self.now() + ttl_s), secrets.token_hex(4)
        return f"{expiry}.{nonce}.{self._mac(kind, partner_id, shop_id, expiry, nonce)}"

    def token_ok(self, kind: str, token: str, partner_id: str, shop_id: str) -> bool:
        try:
            expiry, nonce, mac = token.split(".")
            good = hmac.compare_digest(mac, self._mac(kind, partner_id, shop_id, int(expiry), nonce))
        except ValueError:
            return False
        until = min(int(expiry), self.superseded.get(token, float("inf")))
        return good and until > self.now()

    def _mac(self, kind: str, partner_id: str, shop_id: str, expiry: int, nonce: str) -> str:
        text = f"{kind}|{partner_id}|{shop_id}|{expiry}|{nonce}".encode()
        return hmac.new(self.config.token_secret, text, hashlib.sha256).hexdigest()[:32]
