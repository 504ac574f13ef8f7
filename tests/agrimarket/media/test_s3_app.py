"""The whole app with MEDIA_STORAGE=s3: photos go to an S3 HTTP server through boto3."""

from __future__ import annotations

import dataclasses

import boto3
from litestar.testing import AsyncTestClient

from agrimarket.app import create_app
from agrimarket.settings import S3Settings
from tests.agrimarket.test_photos_api import jpeg
from tests.factories import Accounts

BUCKET = "app-media"


async def test_photos_round_trip_through_s3(settings, s3_endpoint):
    s3 = S3Settings(
        endpoint_url=s3_endpoint,
        bucket=BUCKET,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        public_url="",
    )
    app = create_app(dataclasses.replace(settings, media_storage="s3", s3=s3))
    objects = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    def keys() -> list[str]:
        return [item["Key"] for item in objects.list_objects_v2(Bucket=BUCKET).get("Contents", [])]

    async with AsyncTestClient(
        app=app, base_url="http://testserver.local"
    ) as client:  # start-up creates the bucket
        accounts = Accounts(client)
        farmer = await accounts.household()
        product = await accounts.product(farmer)
        url = f"/api/v1/products/{product['id']}/photos"

        refused = await client.post(
            url, files={"photo": ("x.jpg", b"not an image", "image/jpeg")}, headers=farmer.headers
        )
        assert refused.status_code == 415
        assert keys() == []

        response = await client.post(
            url, files={"photo": ("a.jpg", jpeg(1200, 900), "image/jpeg")}, headers=farmer.headers
        )
        assert response.status_code == 201, response.text
        photo = response.json()["photos"][0]
        assert photo["url"].startswith(f"{s3_endpoint}/{BUCKET}/products/{product['id']}/")
        stored = sorted(keys())
        assert len(stored) == 2 and all(key.endswith(".webp") for key in stored)
        head = objects.head_object(Bucket=BUCKET, Key=photo["url"].split(f"/{BUCKET}/", 1)[1])
        assert head["ContentType"] == "image/webp"

        assert (
            await client.delete(f"/api/v1/products/{product['id']}", headers=farmer.headers)
        ).status_code == 204
        assert keys() == []
