"""Demo data of the training part: the officer's e-commerce class in Cát Hải, so the dashboard's
funnel starts at "trained" (the simulated buyers of `make run` fill in "transacting")."""

from __future__ import annotations

from datetime import timedelta

from agrimarket import clock
from agrimarket import demo_data as demo
from agrimarket.tables import User
from agrimarket.training.schemas import TrainingCreate
from agrimarket.training.service import create_session

ATTENDED = 8  # the cooperative's first members


async def seed() -> list[str]:
    """Record the demo training session; returns summary lines to print."""
    officer = await User.select(User.id).where(User.phone == demo.OFFICER[0]).first()
    if officer is None:
        return ["Training: the demo officer is missing, no session recorded."]
    session = TrainingCreate(
        held_on=clock.today() - timedelta(days=10),
        commune_code=demo.CAT_HAI,
        topic="Đưa nông sản lên sàn Postmart và Voso",
        trainer="Trung tâm Khuyến nông Hải Phòng",
        phones=[demo.member_phone(i) for i in range(ATTENDED)],
    )
    _, attendance = await create_session(await demo.actor_for(officer["id"]), session)
    return [f"Training: 1 e-commerce session in Cát Hải, {attendance.added} households attended."]
