"""The marketplaces a declared listing may name: key -> (Vietnamese label, English label)."""

from __future__ import annotations

MARKETPLACES: dict[str, tuple[str, str]] = {
    "postmart": ("Postmart", "Postmart"),
    "voso": ("Voso", "Voso"),
    "shopee": ("Shopee", "Shopee"),
    "tiktok_shop": ("TikTok Shop", "TikTok Shop"),
    "lazada": ("Lazada", "Lazada"),
    "facebook_zalo": ("Cửa hàng Facebook/Zalo", "Facebook/Zalo shop"),
    "other": ("Sàn/kênh khác", "Other"),
}


def marketplace_label(key: str, lang: str = "vi") -> str:
    """Label of a marketplace key; synced marketplaces not in the list show their code."""
    pair = MARKETPLACES.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]
