"""Where export files are stored: local directories and S3-compatible buckets
(Cloudflare R2, Backblaze B2 in production; a moto server in tests).

Nothing half-written is ever visible under a final name:
- local: written to `.<name>.partial` in the same directory, fsynced, then renamed;
- S3: a multipart upload, which S3 shows only once completed; any error aborts it,
  and `unfinished_cleanup()` aborts uploads left by a worker that was killed.

Configuration (settings.BACKUP_TARGETS, from the environment):

    BACKUP_TARGETS=local=file:///var/backups/zargar,r2=s3://bucket/prefix
    BACKUP_TARGET_R2_ENDPOINT_URL=https://<account>.r2.cloudflarestorage.com
    BACKUP_TARGET_R2_ACCESS_KEY_ID=...   BACKUP_TARGET_R2_SECRET_ACCESS_KEY=...
    BACKUP_TARGET_R2_REGION=auto
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone

_BLOCK = 1024 * 1024
Progress = Callable[[int], None]


class TargetError(RuntimeError):
    """A target could not store or return a file."""


def targets_from_env(value: str, environ: dict[str, str] | os._Environ = os.environ
                     ) -> list[dict[str, Any]]:
    """Parse BACKUP_TARGETS ("name=url,name=url") and each S3 target's
    BACKUP_TARGET_<NAME>_* variables into settings dictionaries."""
    result = []
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        name, sep, url = entry.partition("=")
        if not sep:
            raise ValueError(f"BACKUP_TARGETS entry {entry!r} must be name=url")
        parsed = urlparse(url)
        env = f"BACKUP_TARGET_{name.upper().replace('-', '_')}_"
        # Export retention of this target (backups/retention.py); unset: the defaults.
        retention = {k: int(environ[env + v]) for k, v in
                     (("retention_days", "RETENTION_DAYS"), ("keep", "KEEP"))
                     if environ.get(env + v)}
        if parsed.scheme == "file":
            result.append({"name": name, "kind": "local", "path": parsed.path, **retention})
        elif parsed.scheme == "s3":
            result.append({
                **retention,
                "name": name, "kind": "s3", "bucket": parsed.netloc,
                "prefix": parsed.path.strip("/"),
                "endpoint_url": environ.get(env + "ENDPOINT_URL") or None,
                "access_key_id": environ.get(env + "ACCESS_KEY_ID") or None,
                "secret_access_key": environ.get(env + "SECRET_ACCESS_KEY") or None,
                "region": environ.get(env + "REGION") or "auto",
            })
        else:
            raise ValueError(f"BACKUP_TARGETS: unknown scheme in {url!r} (file:// or s3://)")
    return result


@dataclass
class LocalTarget:
    name: str
    path: str
    kind: str = "local"
    retention_days: int | None = None  # export retention (backups/retention.py)
    keep: int | None = None

    @property
    def root(self) -> Path:
        return Path(self.path)

    def location(self, key: str) -> str:
        return str(self.root / key)

    def put(self, source: Path, key: str, *, progress: Progress | None = None) -> str:
        final = self.root / key
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = final.with_name(f".{final.name}.partial")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with source.open("rb") as src, os.fdopen(fd, "wb") as out:
                sent = 0
                while block := src.read(_BLOCK):
                    out.write(block)
                    sent += len(block)
                    if progress:
                        progress(sent)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, final)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise TargetError(f"{self.name}: {exc}") from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return str(final)

    def open(self, key: str) -> IO[bytes]:
        try:
            return (self.root / key).open("rb")
        except OSError as exc:
            raise TargetError(f"{self.name}: {exc}") from exc

    def delete(self, key: str) -> None:
        try:
            (self.root / key).unlink(missing_ok=True)
        except OSError as exc:
            raise TargetError(f"{self.name}: {exc}") from exc

    def exists(self, key: str) -> bool:
        return (self.root / key).is_file()

    def unfinished(self) -> list[str]:
        if not self.root.exists():
            return []
        return [str(p.relative_to(self.root)) for p in self.root.rglob(".*.partial")]

    def unfinished_cleanup(self, *, older_than: timedelta = timedelta(0)) -> int:
        cutoff = timezone.now().timestamp() - older_than.total_seconds()
        n = 0
        for key in self.unfinished():
            p = self.root / key
            if p.stat().st_mtime <= cutoff:
                p.unlink(missing_ok=True)
                n += 1
        return n


@dataclass
class S3Target:
    name: str
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    region: str = "auto"
    kind: str = "s3"
    retention_days: int | None = None  # export retention (backups/retention.py)
    keep: int | None = None
    part_size: int = field(default_factory=lambda: settings.BACKUP_S3_PART_SIZE)

    def _client(self) -> Any:
        import boto3
        from botocore.config import Config

        # R2 and B2 reject the default CRC checksums newer botocore sends: only when
        # required. Our own SHA-256 (manifest) is checked on every copy instead.
        config = Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5, read_timeout=60,
            s3={"addressing_style": "path"},
        )
        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key, config=config,
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def put(self, source: Path, key: str, *, progress: Progress | None = None) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client()
        full = self._key(key)
        upload_id = None
        try:
            upload_id = client.create_multipart_upload(Bucket=self.bucket, Key=full)["UploadId"]
            parts = []
            sent = 0
            with source.open("rb") as src:
                number = 1
                while True:
                    block = src.read(self.part_size)
                    if not block and number > 1:
                        break
                    answer = client.upload_part(Bucket=self.bucket, Key=full, PartNumber=number,
                                                UploadId=upload_id, Body=block)
                    parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                    sent += len(block)
                    if progress:
                        progress(sent)
                    number += 1
                    if len(block) < self.part_size:
                        break
            client.complete_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id,
                                             MultipartUpload={"Parts": parts})
        except (BotoCoreError, ClientError, OSError) as exc:
            self._abort(client, full, upload_id)
            raise TargetError(f"{self.name}: {exc}") from exc
        except BaseException:
            self._abort(client, full, upload_id)
            raise
        return self.location(key)

    def _abort(self, client: Any, key: str, upload_id: str | None) -> None:
        if upload_id is None:
            return
        try:
            client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except Exception:  # noqa: BLE001 - unreachable target: unfinished_cleanup() retries
            pass

    def open(self, key: str) -> IO[bytes]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._client().get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except (BotoCoreError, ClientError) as exc:
            raise TargetError(f"{self.name}: {exc}") from exc

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client().delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise TargetError(f"{self.name}: {exc}") from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client().head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise TargetError(f"{self.name}: {exc}") from exc
        return True

    def _uploads(self) -> Iterator[dict[str, Any]]:
        client = self._client()
        paginator = client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            yield from page.get("Uploads", [])

    def unfinished(self) -> list[str]:
        prefix = f"{self.prefix}/" if self.prefix else ""
        return [u["Key"].removeprefix(prefix) for u in self._uploads()]

    def unfinished_cleanup(self, *, older_than: timedelta = timedelta(0)) -> int:
        cutoff = timezone.now() - older_than
        client = self._client()
        n = 0
        for upload in self._uploads():
            initiated: datetime = upload["Initiated"]
            if initiated <= cutoff:
                self._abort(client, upload["Key"], upload["UploadId"])
                n += 1
        return n


Target = LocalTarget | S3Target


def target_build(spec: dict[str, Any]) -> Target:
    spec = dict(spec)
    kind = spec.pop("kind")
    if kind == "local":
        return LocalTarget(**spec)
    if kind == "s3":
        return S3Target(**spec)
    raise ValueError(f"unknown backup target kind {kind!r}")


def targets_configured() -> list[Target]:
    return [target_build(spec) for spec in settings.BACKUP_TARGETS]


def target_get(name: str) -> Target:
    for target in targets_configured():
        if target.name == name:
            return target
    raise TargetError(f"No backup target named {name!r} is configured.")


def stream_sha256(stream: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        while block := stream.read(_BLOCK):
            digest.update(block)
            size += len(block)
    finally:
        stream.close()
    return digest.hexdigest(), size


def copy_to_file(stream: IO[bytes], out: IO[bytes]) -> None:
    try:
        shutil.copyfileobj(stream, out, _BLOCK)
    finally:
        stream.close()
