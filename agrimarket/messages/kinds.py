"""The kinds of message a household gets, and which of them may wake it at night.

Each kind maps to one approved Zalo ZNS template (``MESSAGE_ZALO_TEMPLATES``); urgent kinds are
sent at once, the others wait out the quiet hours (21:00-06:00 Vietnam time) and are sent in the
morning.
"""

from __future__ import annotations

ORDER_RECEIVED = "order_received"
ORDER_DEADLINE_NEAR = "order_deadline_near"
LISTING_REJECTED = "listing_rejected"
LISTING_TAKEN_DOWN = "listing_taken_down"
STOCK_OUT = "stock_out"
BATCH_FLAGGED = "batch_flagged"
COUNTERFEIT_WARNING = "counterfeit_warning"
COOP_INVITATION = "coop_invitation"
AREA_STATUS = "area_status"
TRAINING = "training"
SIGN_IN_CODE = "sign_in_code"

# Kind -> what the preferences page calls it.
KINDS = {
    ORDER_RECEIVED: "Đơn hàng mới",
    ORDER_DEADLINE_NEAR: "Đơn hàng sắp quá hạn",
    LISTING_REJECTED: "Sản phẩm bị từ chối",
    LISTING_TAKEN_DOWN: "Sản phẩm bị gỡ",
    STOCK_OUT: "Hết hàng",
    BATCH_FLAGGED: "Lô hàng bị gắn cờ",
    COUNTERFEIT_WARNING: "Cảnh báo tem giả",
    COOP_INVITATION: "Lời mời vào hợp tác xã",
    AREA_STATUS: "Vùng trồng",
    TRAINING: "Tập huấn",
    SIGN_IN_CODE: "Mã đăng nhập",
}
# A buyer waits on these (the marketplace's deadline runs at night too), and a sign-in code is
# asked for by the person holding the phone.
URGENT = frozenset({ORDER_RECEIVED, ORDER_DEADLINE_NEAR, SIGN_IN_CODE})
# Never switched off by a preference: without them nobody could sign in.
ALWAYS_SENT = frozenset({SIGN_IN_CODE})
# Optional kinds: sent only with the household's consent to that purpose of the privacy notice
# (agrimarket.privacy.notice). The preferences' switch for them is that consent, not a mute.
CONSENTED = {TRAINING: "training_messages"}
