"""Where photo bytes live: a local directory (development, single server) or any S3-compatible store."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import quote

import anyio.to_thread
import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from agrimarket.errors import DomainError, NotFound
from agrimarket.settings import S3Settings, Settings

T = TypeVar("T")
log = logging.getLogger(__name__)
# Keys are never rewritten (a new photo gets a new key), so caches may keep them forever.
IMMUTABLE = "public, max-age=31536000, immutable"


class StorageUnavailable(DomainError):
    status_code = 503
    code = "storage_unavailable"

    def __init__(
        self,
        message_vi: str = "Kho ảnh tạm thời không truy cập được, vui lòng thử lại sau.",
        message_en: str = "Photo storage is temporarily unreachable, please try again later.",
    ) -> None:
        super().__init__(message_vi, message_en)


@runtime_checkable
class Storage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def put_file(self, key: str, path: str | os.PathLike[str], content_type: str) -> None:
        """Store the file at ``path`` as ``put`` stores bytes, without reading it into memory
        (files of hundreds of MB: stamp sheets). The file itself is left where it is."""
        ...

    async def get(self, key: str) -> bytes:
        """The stored bytes; raises NotFound when the key does not exist."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        ...

    def url(self, key: str) -> str:
        """Address a browser can fetch the object from."""
        ...

    async def check(self) -> None:
        """Raise StorageUnavailable unless objects can be written now (readiness probe)."""
        ...


class LocalStorage:
    """Files under ``root``, served by the app (or a reverse proxy) at ``base_url``."""

    def __init__(self, root: Path, base_url: str = "/media") -> None:
        self.root = Path(root)
        self.base_url = base_url.rstrip("/")

    def _path(self, key: str) -> Path:
        # Keys come from our code, but refuse anything that could leave root all the same.
        segments = key.split("/")
        if "\\" in key or "\0" in key or any(s in ("", ".", "..") for s in segments):
            raise ValueError(f"unsafe storage key: {key!r}")
        return self.root.joinpath(*segments)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        await anyio.to_thread.run_sync(_write_atomically, path, lambda f: f.write(data))

    async def put_file(self, key: str, path: str | os.PathLike[str], content_type: str) -> None:
        target = self._path(key)

        def copy(f: IO[bytes]) -> None:
            # Copied, not moved: the caller owns (and removes) its file, which may sit on another
            # file system than the media directory.
            with open(path, "rb") as source:
                shutil.copyfileobj(source, f, 1 << 20)

        await anyio.to_thread.run_sync(_write_atomically, target, copy)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await anyio.to_thread.run_sync(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise NotFound() from exc

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    def url(self, key: str) -> str:
        return f"{self.base_url}/{quote(key, safe='/')}"

    async def check(self) -> None:
        # Created on demand, as put() does: a missing folder is only a problem if it cannot be made.
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable() from exc
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailable()


def _write_atomically(path: Path, fill: Callable[[IO[bytes]], object]) -> None:
    # Readers never see a half-written photo: write a temp file beside it, then rename over.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            fill(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a reverse proxy serving /media must read it
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


async def delete_quietly(storage: Storage, keys: list[str]) -> None:
    """Delete objects whose rows are gone (or never were); a failure leaves a harmless orphan.

    Used once the outcome is decided: a storage outage must not turn a done deletion (or a rolled
    back upload) into an error for the user.
    """
    for key in keys:
        try:
            await storage.delete(key)
        except Exception as exc:  # the object stays, unreferenced; never a row without its object
            log.warning("orphan media object %s left behind: %r", key, exc)


class S3Storage:
    """Any S3-compatible store (AWS, MinIO, Garage, R2...) through boto3, off the event loop.

    Timeouts are short on purpose: a photo is a few hundred kB, and an unreachable store must
    answer the phone with "try again" within seconds (one retry: refused at once, black-holed
    ~5 s, hung ~20 s), not keep the request and a worker thread for minutes.
    """

    def __init__(
        self,
        s3: S3Settings,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        max_attempts: int = 2,
    ) -> None:
        self.settings = s3
        self.client = self._client(connect_timeout, read_timeout, max_attempts)
        # The readiness probe answers within its own deadline: one quick attempt, no retry.
        self.probe_client = self._client(1.0, 2.0, 1)
        # put_file: above the threshold, parts of chunksize sent by a few threads, each part
        # retried on its own (boto3's defaults, named here so a test can make a small file multipart).
        self.transfer = TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=8 << 20)

    def _client(self, connect_timeout: float, read_timeout: float, max_attempts: int) -> Any:
        s3 = self.settings
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},  # self-hosted stores rarely have wildcard DNS for buckets
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            # Newer botocore adds CRC checksums by default, which several S3-compatible stores reject.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # Clients are thread-safe (sessions are not), so one client serves every worker thread.
        return boto3.session.Session().client(
            "s3",
            endpoint_url=s3.endpoint_url or None,
            region_name=s3.region or None,
            aws_access_key_id=s3.access_key_id or None,
            aws_secret_access_key=s3.secret_access_key or None,
            config=config,
        )

    async def _run(self, func: Callable[..., T], *, abandon: bool = False, **kwargs: Any) -> T:
        # boto3 blocks: every call runs in a worker thread, never on the event loop.
        try:
            return await anyio.to_thread.run_sync(lambda: func(**kwargs), abandon_on_cancel=abandon)
        except (BotoConnectionError, HTTPClientError) as exc:
            raise StorageUnavailable() from exc
        except ClientError as exc:
            if _server_error(exc):
                raise StorageUnavailable() from exc
            raise

    async def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet (call once at startup)."""
        bucket = self.settings.bucket
        try:
            await self._run(self.client.head_bucket, Bucket=bucket)
            return
        except ClientError as exc:
            if _error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                raise
        region = self.settings.region
        extra: dict[str, Any] = (
            {}
            if region in ("", "us-east-1")
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        try:
            await self._run(self.client.create_bucket, Bucket=bucket, **extra)
        except ClientError as exc:
            if _error_code(exc) != "BucketAlreadyOwnedByYou":  # another worker won the race
                raise

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._run(
            self.client.put_object,
            Bucket=self.settings.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl=IMMUTABLE,
        )

    async def put_file(self, key: str, path: str | os.PathLike[str], content_type: str) -> None:
        try:
            await self._run(
                self.client.upload_file,
                Filename=os.fspath(path),
                Bucket=self.settings.bucket,
                Key=key,
                ExtraArgs={"ContentType": content_type, "CacheControl": IMMUTABLE},
                Config=self.transfer,
            )
        except S3UploadFailedError as exc:
            # upload_file turns the store's ClientError into this (the ClientError is its context):
            # a store that fails is unavailable, as for put; anything else is our error.
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, ClientError) and _server_error(cause):
                raise StorageUnavailable() from exc
            raise

    async def get(self, key: str) -> bytes:
        def read() -> bytes:
            # The body streams from the socket, so read it inside the worker thread too.
            return self.client.get_object(Bucket=self.settings.bucket, Key=key)["Body"].read()

        try:
            return await self._run(read)
        except ClientError as exc:
            if _error_code(exc) in ("NoSuchKey", "404", "NotFound"):
                raise NotFound() from exc
            raise

    async def delete(self, key: str) -> None:
        await self._run(self.client.delete_object, Bucket=self.settings.bucket, Key=key)

    async def check(self) -> None:
        # HEAD on the bucket: cheap, and proves the endpoint, the credentials and the bucket at once.
        # Abandoned on cancel, so the probe's deadline holds even while the thread still waits.
        try:
            await self._run(self.probe_client.head_bucket, abandon=True, Bucket=self.settings.bucket)
        except ClientError as exc:
            raise StorageUnavailable() from exc

    def url(self, key: str) -> str:
        s3 = self.settings
        endpoint = s3.endpoint_url.rstrip("/") or f"https://s3.{s3.region or 'us-east-1'}.amazonaws.com"
        base = s3.public_url or f"{endpoint}/{s3.bucket}"
        return f"{base.rstrip('/')}/{quote(key, safe='/')}"


def _server_error(exc: ClientError) -> bool:
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def build_storage(settings: Settings) -> Storage:
    if settings.media_storage == "s3":
        return S3Storage(settings.s3)
    # Absolute, so API clients and marketplaces can fetch photos too.
    return LocalStorage(settings.media_dir, f"{settings.public_base_url.rstrip('/')}/media")
