"""LocalStorage on disk and S3Storage against a real S3 HTTP server (moto, in a thread)."""

from __future__ import annotations

import dataclasses
import io
import json
import socket
import stat
import time
from pathlib import Path

import httpx
import pytest
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from PIL import Image

from agrimarket.errors import NotFound
from agrimarket.media.images import process_photo
from agrimarket.media.storage import LocalStorage, S3Storage, StorageUnavailable, build_storage
from agrimarket.settings import S3Settings, Settings

KEY = "products/42/3f9c2a.webp"
SHEET = "stamps/7/sheet.pdf"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::test-media/*",
        }
    ],
}


def s3_settings(endpoint: str, public_url: str = "") -> S3Settings:
    return S3Settings(
        endpoint_url=endpoint,
        bucket="test-media",
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        public_url=public_url,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def webp() -> bytes:
    jpeg = io.BytesIO()
    Image.effect_noise((64, 48), 40).convert("RGB").save(jpeg, "JPEG")
    return process_photo(jpeg.getvalue()).image


async def test_local_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    await storage.put(KEY, b"first", "image/webp")
    await storage.put(KEY, b"second", "image/webp")

    path = tmp_path / "media" / "products" / "42" / "3f9c2a.webp"
    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["3f9c2a.webp"]  # no temp file left behind
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert await storage.get(KEY) == b"second"
    assert storage.url(KEY) == "/media/products/42/3f9c2a.webp"
    assert (
        LocalStorage(tmp_path, "https://cdn.example/m/").url("a b.webp") == "https://cdn.example/m/a%20b.webp"
    )

    await storage.delete(KEY)
    assert not path.exists()
    with pytest.raises(NotFound):
        await storage.get(KEY)
    await storage.delete(KEY)  # deleting twice is fine


async def test_local_put_file_copies_atomically_and_leaves_the_source(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    source = tmp_path / "sheet.pdf"
    source.write_bytes(b"%PDF" + bytes(range(256)) * 9000)  # over copyfileobj's 1 MiB buffer
    await storage.put(SHEET, b"older", "application/pdf")
    await storage.put_file(SHEET, source, "application/pdf")

    path = tmp_path / "media" / "stamps" / "7" / "sheet.pdf"
    assert path.read_bytes() == source.read_bytes() and source.exists()
    assert [p.name for p in path.parent.iterdir()] == ["sheet.pdf"]  # no temp file left behind
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    with pytest.raises(FileNotFoundError):  # a missing source leaves the stored object as it was
        await storage.put_file(SHEET, tmp_path / "gone.pdf", "application/pdf")
    assert [p.name for p in path.parent.iterdir()] == ["sheet.pdf"]
    assert await storage.get(SHEET) == source.read_bytes()


@pytest.mark.parametrize(
    "key", ["../escape.webp", "a/../../b.webp", "/etc/passwd", "a//b", "a\\..\\b", "", "./a", "a/"]
)
async def test_local_refuses_unsafe_keys(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "media")
    with pytest.raises(ValueError, match="unsafe storage key"):
        await storage.put(key, b"x", "image/webp")
    source = tmp_path / "x.bin"
    source.write_bytes(b"x")
    with pytest.raises(ValueError, match="unsafe storage key"):
        await storage.put_file(key, source, "image/webp")
    with pytest.raises(ValueError, match="unsafe storage key"):
        await storage.get(key)
    assert not (tmp_path / "escape.webp").exists()


async def test_s3_round_trip(s3_endpoint: str, webp: bytes) -> None:
    storage = S3Storage(s3_settings(s3_endpoint))
    await storage.ensure_bucket()
    await storage.ensure_bucket()  # second call finds the bucket and changes nothing

    await storage.put(KEY, webp, "image/webp")
    assert await storage.get(KEY) == webp

    url = storage.url(KEY)
    assert url == f"{s3_endpoint}/test-media/{KEY}"
    async with httpx.AsyncClient(trust_env=False) as client:
        # Objects are private by default: browsers can only load url() once the bucket allows
        # anonymous reads (deployment config, not ensure_bucket) or public_url points at a proxy/CDN.
        assert (await client.get(url)).status_code == 403
        storage.client.put_bucket_policy(Bucket="test-media", Policy=json.dumps(PUBLIC_READ))
        response = await client.get(url)  # anonymous GET, as a browser would
    assert response.status_code == 200
    assert response.content == webp
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"

    await storage.delete(KEY)
    with pytest.raises(NotFound):
        await storage.get(KEY)
    await storage.delete(KEY)  # missing is fine


@pytest.mark.parametrize("size", [1000, 6 << 20])
async def test_s3_put_file_small_and_multipart(s3_endpoint: str, tmp_path: Path, size: int) -> None:
    storage = S3Storage(s3_settings(s3_endpoint))
    await storage.ensure_bucket()
    # 5 MiB parts (S3's smallest): the 6 MiB file goes up in two parts, the small one in one PUT.
    storage.transfer = TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20)
    source = tmp_path / "sheet.zip"
    source.write_bytes(bytes(range(256)) * (size // 256) + b"end")
    await storage.put_file(SHEET, source, "application/zip")

    assert await storage.get(SHEET) == source.read_bytes() and source.exists()
    head = storage.client.head_object(Bucket="test-media", Key=SHEET)
    assert head["ContentType"] == "application/zip"
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert ("-2" in head["ETag"]) == (size > 5 << 20)  # a multipart ETag ends in its part count
    await storage.delete(SHEET)


async def test_s3_put_file_errors(s3_endpoint: str, tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "sheet.pdf"
    source.write_bytes(b"%PDF")
    storage = S3Storage(dataclasses.replace(s3_settings(s3_endpoint), bucket="never-made"))
    with pytest.raises(S3UploadFailedError):  # our mistake (no bucket), not an outage
        await storage.put_file(SHEET, source, "application/pdf")

    def slow_down(**kwargs) -> None:  # as upload_file reports a 5xx: the ClientError as context
        try:
            raise ClientError(
                {"Error": {"Code": "SlowDown"}, "ResponseMetadata": {"HTTPStatusCode": 503}}, "x"
            )
        except ClientError:
            raise S3UploadFailedError("Failed to upload")  # noqa: B904 - boto3 raises it so

    monkeypatch.setattr(storage.client, "upload_file", slow_down)
    with pytest.raises(StorageUnavailable):
        await storage.put_file(SHEET, source, "application/pdf")


async def test_s3_check_needs_the_bucket(s3_endpoint: str) -> None:
    storage = S3Storage(dataclasses.replace(s3_settings(s3_endpoint), bucket="readiness-probe"))
    with pytest.raises(StorageUnavailable):
        await storage.check()
    await storage.ensure_bucket()
    await storage.check()


def test_s3_public_url(s3_endpoint: str) -> None:
    storage = S3Storage(s3_settings(s3_endpoint, public_url="https://img.example.vn/"))
    assert storage.url("p/1.webp") == "https://img.example.vn/p/1.webp"


async def test_s3_unreachable_is_503(webp: bytes, tmp_path: Path) -> None:
    storage = S3Storage(
        s3_settings(f"http://127.0.0.1:{free_port()}"), connect_timeout=1, read_timeout=1, max_attempts=1
    )
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as info:
        await storage.put(KEY, webp, "image/webp")
    with pytest.raises(StorageUnavailable):
        await storage.get(KEY)
    source = tmp_path / "sheet.pdf"
    source.write_bytes(webp)
    with pytest.raises(StorageUnavailable):
        await storage.put_file(KEY, source, "application/pdf")
    with pytest.raises(StorageUnavailable):
        await storage.ensure_bucket()
    with pytest.raises(StorageUnavailable):
        await storage.check()
    assert time.monotonic() - started < 5
    assert info.value.status_code == 503 and info.value.code == "storage_unavailable"
    assert info.value.message_vi == "Kho ảnh tạm thời không truy cập được, vui lòng thử lại sau."


def test_build_storage_picks_backend(tmp_path: Path) -> None:
    local = build_storage(Settings(media_storage="local", media_dir=tmp_path))
    assert isinstance(local, LocalStorage) and local.root == tmp_path
    s3 = build_storage(Settings(media_storage="s3", s3=s3_settings("http://127.0.0.1:9")))
    assert isinstance(s3, S3Storage) and s3.settings.bucket == "test-media"
