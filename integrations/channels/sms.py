"""Brand-name SMS through eSMS.vn (ViHAT).

Why eSMS: it is one of the most used brand-name SMS gateways in Vietnam (all networks, customer-care
"CSKH" brand names for transactional messages), and its HTTP API is published in full
(developers.esms.vn, mirrored in the public ``devesms/gitbook_esms_for_develop_v2_en`` repository)
with a documented duplicate guard, ``RequestId``, which is what "sent at least once, received
once" needs. Another provider is one more module beside this one.

What this module follows ("Send OTP/Customer care message"):
``POST {base}/MainService.svc/json/SendMultipleMessage_V4_post_json/`` with a JSON body ``ApiKey``,
``SecretKey``, ``Phone``, ``Content``, ``Brandname``, ``SmsType`` "2" (customer care, brand name),
``IsUnicode`` "1" (our texts carry Vietnamese diacritics), ``Sandbox`` "0", ``RequestId`` (our
message id) and optionally ``CallbackUrl``. The answer's ``CodeResult`` is a string: "100" taken
(``SMSID`` is eSMS's id), "124" duplicate ``RequestId`` ("Request exist": the first send was
taken, so it counts as sent), "99" phone blocked, "101" wrong ApiKey/SecretKey, "103" balance too
low, "104" brand name unknown, "108" phone number format, "146" content not matching the
registered CSKH template; the others are refusals too (table of error codes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from agrimarket.messages.channel import Outgoing, Refused, Sent, TryLater
from agrimarket.text import ascii_digits

CODE = "sms"
NAME = "SMS (eSMS.vn)"
SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
ACCEPTED = "100"
DUPLICATE_REQUEST = "124"
CUSTOMER_CARE = "2"
REFUSALS = {
    "99": "Số điện thoại bị chặn nhận tin",
    "101": "Sai ApiKey hoặc SecretKey của eSMS",
    "103": "Tài khoản eSMS không đủ số dư",
    "104": "Brandname chưa đăng ký với eSMS",
    "108": "Số điện thoại không đúng định dạng",
    "146": "Nội dung không khớp mẫu tin CSKH đã đăng ký",
}
# An SMS carries one short text: the link is appended, the rest cut (3 Unicode segments).
MAX_CHARS = 201


def sms_text(message: Outgoing) -> str:
    text = f"{message.text} {message.link}".strip() if message.link else message.text
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


class SmsChannel:
    code = CODE

    def __init__(
        self,
        base_url: str,
        api_key: str,
        secret_key: str,
        brandname: str,
        timeout_s: float,
        pace: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + SEND_PATH
        self.api_key = api_key
        self.secret_key = secret_key
        self.brandname = brandname
        self.pace = pace  # waits for eSMS's next send slot (its per-second limit)
        self.client = httpx.AsyncClient(timeout=timeout_s)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def send(self, message: Outgoing) -> Sent:
        body = {
            "ApiKey": self.api_key,
            "SecretKey": self.secret_key,
            "Phone": message.phone,
            "Content": sms_text(message),
            "Brandname": self.brandname,
            "SmsType": CUSTOMER_CARE,
            "IsUnicode": "1",
            "Sandbox": "0",
            "RequestId": str(message.message_id),
        }
        if self.pace is not None:
            await self.pace()
        try:
            response = await self.client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            raise TryLater(f"eSMS: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            retry = response.headers.get("retry-after", "")
            raise TryLater(
                f"eSMS: HTTP {response.status_code}",
                float(retry) if ascii_digits(retry) else None,
                throttled=response.status_code == 429,
            )
        try:
            answer = response.json()
        except ValueError:
            raise TryLater(f"eSMS: unreadable answer (HTTP {response.status_code})") from None
        code = str(answer.get("CodeResult", "")) if isinstance(answer, dict) else ""
        if code in (ACCEPTED, DUPLICATE_REQUEST):
            return Sent(str(answer.get("SMSID", "")))
        if not code:
            raise TryLater(f"eSMS: {answer}")
        reason = REFUSALS.get(code, f"eSMS từ chối: {answer.get('ErrorMessage', '')}")
        raise Refused(reason, code)
