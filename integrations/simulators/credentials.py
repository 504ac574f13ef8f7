"""Demo credentials: what every simulator accepts for any shop id, derived from one demo secret."""

from __future__ import annotations

import hashlib
import hmac

DEMO_MASTER = b"agrimarket-simulator-demo"


def demo_mac(text: str) -> str:
    return hmac.new(DEMO_MASTER, text.encode(), hashlib.sha256).hexdigest()


def shopee_demo_partner_key(partner_id: str) -> str:
    return demo_mac(f"shopee-key:{partner_id}")


def shopee_demo_code(partner_id: str, shop_id: str) -> str:
    return demo_mac(f"shopee-code:{partner_id}:{shop_id}")[:32]


def lazada_demo_secret(app_key: str) -> str:
    return demo_mac(f"lazada-secret:{app_key}")[:32]


def lazada_demo_code(app_key: str, seller_id: str) -> str:
    """Shaped like Lazada's codes (``0_<number>_<random>``), the seller id in the middle."""
    return f"0_{seller_id}_{demo_mac(f'lazada-code:{app_key}:{seller_id}')[:24]}"


def tiktok_demo_secret(app_key: str) -> str:
    return demo_mac(f"tiktok-secret:{app_key}")[:32]


def tiktok_demo_code(app_key: str, shop_id: str) -> str:
    return f"ROW_{shop_id}_{demo_mac(f'tiktok-code:{app_key}:{shop_id}')[:24]}"


def demo_credentials(code: str, shop_id: str) -> dict[str, str]:
    """Credentials every simulator accepts for any shop id (used by the demo seed)."""
    secret = demo_mac(f"{code}:{shop_id}")[:32]
    if code == "shopee":
        # Shopee's own shape: a numeric partner id, its 64-hex key, and an authorization code.
        partner_id = str(1_000_000 + int(demo_mac(f"shopee-partner:{shop_id}")[:8], 16) % 8_000_000)
        return {
            "partner_id": partner_id,
            "partner_key": shopee_demo_partner_key(partner_id),
            "code": shopee_demo_code(partner_id, shop_id),
        }
    if code == "lazada":
        # Lazada's shape: a numeric app key, its secret, and the code its consent page gives.
        app_key = str(100_000 + int(demo_mac(f"lazada-app:{shop_id}")[:6], 16) % 800_000)
        return {
            "app_key": app_key,
            "app_secret": lazada_demo_secret(app_key),
            "code": lazada_demo_code(app_key, shop_id),
        }
    if code == "tiktok":
        # TikTok's shape: an app key and secret, and the code its consent page gives.
        app_key = "demo" + demo_mac(f"tiktok-app:{shop_id}")[:10]
        return {
            "app_key": app_key,
            "app_secret": tiktok_demo_secret(app_key),
            "auth_code": tiktok_demo_code(app_key, shop_id),
        }
    if code == "voso":
        return {"client_id": f"demo-{shop_id}", "client_secret": secret}
    return {"api_key": f"demo-{shop_id}", "api_secret": secret}
