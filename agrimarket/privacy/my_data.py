"""My data: everything held about a household (and the account asking), from all three apps.

The core reads its own tables here; traceability and integrations answer for theirs through
``QueryPorts.data_parts``. ``CORE_PART.covers`` and each app's ``covers`` name every column that
holds a household or user id; ``tests/agrimarket/privacy/test_export_coverage.py`` fails when a
table gains one that no part covers and no exclusion explains.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import msgspec

from agrimarket import clock
from agrimarket.exports import csv_for_excel
from agrimarket.ports import current as current_ports
from agrimarket.privacy import access_log
from agrimarket.privacy.notice import NOTICE_VERSION
from agrimarket.privacy.parts import DataPart, DataSection, Subject, rows_in, rows_of
from agrimarket.tables import (
    AccountClaim,
    AuditEntry,
    AuthSession,
    BankAccount,
    Consent,
    CoopInvitation,
    CoopMembership,
    DeclaredListing,
    DeletionRequest,
    Household,
    Message,
    MessageDelivery,
    MessagePreference,
    Product,
    ProductPhoto,
    ProductSupplier,
    PushSubscription,
    SignInCode,
    TrainingAttendance,
    User,
)


class MyData(msgspec.Struct):
    """The export: JSON as is, CSV one line per value; "who looked at my data" (the processing log)
    is its section ``data_access``."""

    generated_at: datetime
    notice_version: str
    user_id: int
    household_id: int | None
    sections: list[DataSection]


async def _core(subject: Subject) -> list[DataSection]:
    user_id, household_id = subject.user_id, subject.household_id
    hh = household_id if household_id is not None else -1  # no household: household rows match none
    products = [r["id"] for r in await Product.select(Product.id).where(Product.owner_household == hh)]
    messages = [
        r["id"]
        for r in await Message.select(Message.id).where((Message.household == hh) | (Message.user == user_id))
    ]
    attended = await (
        TrainingAttendance.select(
            TrainingAttendance.id,
            TrainingAttendance.session.held_on.as_alias("held_on"),
            TrainingAttendance.session.topic.as_alias("topic"),
            TrainingAttendance.session.trainer.as_alias("trainer"),
            TrainingAttendance.session.commune.as_alias("commune"),
        )
        .where(TrainingAttendance.household == hh)
        .order_by(TrainingAttendance.id)
    )
    return [
        DataSection("app_user", "Tài khoản / Account", await rows_of(User, User.id == user_id)),
        DataSection("household", "Hộ sản xuất / Household", await rows_of(Household, Household.id == hh)),
        DataSection(
            "coop_membership",
            "Lịch sử thành viên HTX / Cooperative membership history",
            await rows_of(CoopMembership, CoopMembership.household == hh),
        ),
        DataSection(
            "coop_invitation",
            "Lời mời vào HTX / Cooperative invitations",
            await rows_of(CoopInvitation, CoopInvitation.household == hh),
        ),
        DataSection(
            "account_claim",
            "Nhận tài khoản / Account claims",
            await rows_of(AccountClaim, AccountClaim.household == hh),
        ),
        DataSection("product", "Sản phẩm / Products", await rows_of(Product, Product.owner_household == hh)),
        DataSection(
            "product_photo",
            "Ảnh sản phẩm / Product photos",
            await rows_in(ProductPhoto, ProductPhoto.product, products),
        ),
        DataSection(
            "product_supplier",
            "Cung cấp cho sản phẩm của HTX / Supplier of cooperative products",
            await rows_of(ProductSupplier, ProductSupplier.household == hh),
        ),
        DataSection(
            "declared_listing",
            "Gian hàng khai báo / Declared shops",
            await rows_of(DeclaredListing, DeclaredListing.household == hh),
        ),
        DataSection("training_attendance", "Tập huấn / Trainings", list(attended)),
        DataSection(
            "bank_account",
            "Tài khoản nhận tiền / Bank account",
            await rows_of(BankAccount, BankAccount.owner_household == hh),
        ),
        DataSection("message", "Tin nhắn / Messages", await rows_in(Message, Message.id, messages)),
        DataSection(
            "message_delivery",
            "Gửi tin nhắn / Message deliveries",
            await rows_in(MessageDelivery, MessageDelivery.message, messages),
        ),
        DataSection(
            "message_preference",
            "Cách nhận tin / Message preferences",
            await rows_of(MessagePreference, MessagePreference.household == hh),
        ),
        DataSection(
            "push_subscription",
            "Thông báo trình duyệt / Browser notifications",
            await rows_of(PushSubscription, PushSubscription.user == user_id),
        ),
        DataSection(
            "auth_session",
            "Lần đăng nhập / Sign-ins",
            await rows_of(AuthSession, AuthSession.user == user_id),
        ),
        DataSection(
            "sign_in_code",
            "Mã đăng nhập / Sign-in codes",
            await rows_of(SignInCode, SignInCode.user == user_id),
        ),
        DataSection("consent", "Đồng ý / Consents", await rows_of(Consent, Consent.user == user_id)),
        DataSection(
            "deletion_request",
            "Yêu cầu xoá tài khoản / Deletion requests",
            await rows_of(DeletionRequest, DeletionRequest.household == hh),
        ),
        DataSection(
            "data_access",
            "Ai đã xem dữ liệu của bạn / Who looked at your data",
            [msgspec.structs.asdict(look) for look in await access_log.looks_at(hh)],
        ),
        DataSection(
            "audit_entry",
            "Nhật ký thay đổi / Audit log",
            await rows_of(AuditEntry, (AuditEntry.household == hh) | (AuditEntry.user_id == user_id)),
        ),
    ]


CORE_PART = DataPart(
    covers=(
        "app_user.id",
        "household.id",
        "coop_membership.household",
        "coop_invitation.household",
        "account_claim.household",
        "product.owner_household",
        "product_supplier.household",
        "declared_listing.household",
        "training_attendance.household",
        "bank_account.owner_household",
        "message.household",
        "message.user",
        "message_preference.household",
        "push_subscription.user",
        "auth_session.user",
        "sign_in_code.user",
        "consent.user",
        "consent.household",
        "deletion_request.household",
        "data_access_subject.household",
        "audit_entry.household",
        "audit_entry.user_id",
    ),
    read=_core,
)


def parts() -> list[DataPart]:
    """Every app's part: the core's and those the plugins installed."""
    return [CORE_PART, *current_ports().data_parts]


async def collect(subject: Subject) -> MyData:
    sections: list[DataSection] = []
    for part in parts():
        sections.extend(await part.read(subject))
    return MyData(
        generated_at=clock.now(),
        notice_version=NOTICE_VERSION,
        user_id=subject.user_id,
        household_id=subject.household_id,
        sections=sections,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return clock.to_local(value).isoformat(timespec="seconds")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def as_csv(data: MyData) -> bytes:
    """One line per value (section, row, field, value): every table fits one sheet, Excel-ready."""
    lines = (
        [found.key, number, name, _text(value)]
        for found in data.sections
        for number, row in enumerate(found.rows, 1)
        for name, value in row.items()
    )
    return csv_for_excel(["section", "row", "field", "value"], lines)
