"""Demo data of the training part: the officer's e-commerce class in Cát Hải, so the dashboard's
funnel starts at "trained" (the simulated buyers of `make run` fill in "transacting")."""

from __future__ import annotations

from datetime import timedelta

ATTENDED = 8  # the cooperative's first members


async def seed() -> list[str]:
    from agrimarket import clock, demo
    from agrimarket.tables import User
    from agrimarket.training.schemas import TrainingCreate
    from agrimarket.training.service import create_session

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
