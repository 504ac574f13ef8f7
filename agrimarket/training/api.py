"""E-commerce training sessions over the JSON API (officers in their area, coop managers, admins)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.status_codes import HTTP_201_CREATED

from agrimarket.accounts.actor import Actor
from agrimarket.households.api import read_upload
from agrimarket.households.sheets import MAX_FILE_BYTES
from agrimarket.training import service
from agrimarket.training.schemas import TrainingCreate, TrainingRead
from agrimarket.web.auth import provide_actor
from agrimarket.web.uploads import multipart_only


class TrainingController(Controller):
    path = "/api/v1/trainings"
    tags = ["training"]
    dependencies = {"actor": Provide(provide_actor)}

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, actor: Actor, data: TrainingCreate) -> TrainingRead:
        """Record a session and the households that attended, by phone number; phones that name no
        household you may mark come back in ``rejected`` with the reason."""
        session_id, attendance = await service.create_session(actor, data)
        return await service.session_read(actor, session_id, attendance)

    @get("/")
    async def sessions(self, actor: Actor) -> list[TrainingRead]:
        """The sessions in your area (officers), of your cooperative (managers), or all (admins)."""
        return await service.list_sessions(actor)

    @post(
        "/{training_id:int}/attendance",
        status_code=200,
        request_max_body_size=MAX_FILE_BYTES + 64 * 1024,
        guards=[multipart_only],
    )
    async def attendance(
        self,
        actor: Actor,
        training_id: int,
        data: Annotated[dict[str, UploadFile], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> TrainingRead:
        """Add attendees from an XLSX or CSV list with a **Số điện thoại** column (field ``file``);
        uploading the same list again changes nothing."""
        attendance = await service.add_from_file(actor, training_id, *await read_upload(data))
        return await service.session_read(actor, training_id, attendance)
