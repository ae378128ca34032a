"""Authenticated chunked encryption of export files (AES-256-GCM), with a keyring.

File layout ("ZGRX" version 1):

    magic  b"ZGRX\\x00\\x01"                      6 bytes
    header length                                4 bytes, big-endian
    header                                       JSON (key id, wrapped data key, ...)
    chunks: [length (4 bytes, big-endian) | AES-GCM ciphertext + 16-byte tag] ...

- Every file has its own random 256-bit data key, wrapped (AES-256-GCM) by the
  key-encryption key named in the header (`kid`). Rotating the key-encryption key
  means: a new current key in BACKUP_ENCRYPTION_KEY, the old one moved to
  BACKUP_ENCRYPTION_OLD_KEYS; old files still open because their `kid` is found in
  the keyring.
- Chunk i (plaintext at most `chunk` bytes) is sealed with nonce = i (12 bytes,
  big-endian; unique because the data key is unique to the file) and associated
  data = SHA-256(magic | length | header) | i | final flag. So the header cannot be
  edited, chunks cannot be reordered, dropped or swapped between files, and a file
  cut after any chunk fails: the last chunk must carry the final flag, and nothing
  may follow it.
- Reading yields plaintext chunk by chunk, each only after its tag is checked; a
  caller that applies data as it reads (restore) must do so inside a transaction
  that it rolls back when a later chunk fails (ExportAuthenticationError).

Keys: "<key id>:<base64 of 32 bytes>"; `backup_key_generate()` makes one.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"ZGRX\x00\x01"
ALGORITHM = "AES-256-GCM"
CHUNK_SIZE = 1024 * 1024
_TAG = 16
_LEN = struct.Struct(">I")
_MAX_HEADER = 64 * 1024


class ExportKeyError(RuntimeError):
    """The keyring is misconfigured, or holds no key for a file."""


class ExportAuthenticationError(RuntimeError):
    """The file was altered, truncated, or is not an export at all."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]


def _parse_key(entry: str) -> tuple[str, bytes]:
    kid, sep, encoded = entry.strip().partition(":")
    if not sep or not kid:
        raise ExportKeyError("A backup key must look like '<key id>:<base64 of 32 bytes>'.")
    try:
        key = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise ExportKeyError(f"Backup key {kid!r} is not valid base64.") from exc
    if len(key) != 32:
        raise ExportKeyError(f"Backup key {kid!r} must be 32 bytes (AES-256).")
    return kid, key


def keyring_load(current: str | None = None, old: list[str] | None = None) -> Keyring:
    """The keyring from settings.BACKUP_ENCRYPTION_KEY (current) and
    settings.BACKUP_ENCRYPTION_OLD_KEYS (older ones, still accepted for reading)."""
    current = settings.BACKUP_ENCRYPTION_KEY if current is None else current
    old = settings.BACKUP_ENCRYPTION_OLD_KEYS if old is None else old
    if not current:
        raise ExportKeyError("BACKUP_ENCRYPTION_KEY is not set: exports cannot be encrypted.")
    kid, key = _parse_key(current)
    keys = {kid: key}
    for entry in old or []:
        if entry.strip():
            old_id, old_key = _parse_key(entry)
            keys.setdefault(old_id, old_key)
    return Keyring(current_id=kid, keys=keys)


def backup_key_generate(kid: str) -> str:
    """A fresh key-encryption key in the keyring's text form."""
    return f"{kid}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def _aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, 1 if final else 0)


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


class EncryptingWriter(io.RawIOBase):
    """A write-only stream: plaintext in, the sealed file out to `raw`. close() writes
    the final chunk (it does not close `raw`)."""

    def __init__(self, raw: IO[bytes], *, keyring: Keyring, meta: dict[str, Any],
                 chunk_size: int = CHUNK_SIZE) -> None:
        self._raw = raw
        self._chunk = chunk_size
        self._buffer = bytearray()
        self._index = 0
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce = os.urandom(12)
        wrapped = AESGCM(keyring.current).encrypt(
            wrap_nonce, data_key, b"zargar-data-key|" + keyring.current_id.encode()
        )
        header = json.dumps({
            **meta,
            "v": 1, "alg": ALGORITHM, "kid": keyring.current_id, "chunk": chunk_size,
            "wrapped_key": base64.b64encode(wrap_nonce + wrapped).decode(),
        }, sort_keys=True).encode()
        prefix = MAGIC + _LEN.pack(len(header)) + header
        self._digest = hashlib.sha256(prefix).digest()
        self._aead = AESGCM(data_key)
        self.bytes_in = 0
        self.bytes_out = len(prefix)
        raw.write(prefix)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._buffer += view
        self.bytes_in += len(view)
        # Keep at least one byte back: the last chunk is sealed (final) in close().
        while len(self._buffer) > self._chunk:
            self._seal(bytes(self._buffer[: self._chunk]), final=False)
            del self._buffer[: self._chunk]
        return len(view)

    def _seal(self, plain: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index), plain,
                                    _aad(self._digest, self._index, final))
        self._raw.write(_LEN.pack(len(sealed)))
        self._raw.write(sealed)
        self.bytes_out += _LEN.size + len(sealed)
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), final=True)
            self._buffer.clear()
        super().close()


def _read_exact(raw: IO[bytes], n: int) -> bytes:
    parts = []
    while n:
        block = raw.read(n)
        if not block:
            break
        parts.append(block)
        n -= len(block)
    return b"".join(parts)


def header_read(raw: IO[bytes]) -> tuple[dict[str, Any], bytes]:
    """Read and parse the header; returns it and the digest the chunks are bound to.
    The header is authenticated only when the first chunk opens."""
    magic = _read_exact(raw, len(MAGIC))
    if magic != MAGIC:
        raise ExportAuthenticationError("Not an encrypted Zargar export (bad magic).")
    length_bytes = _read_exact(raw, _LEN.size)
    if len(length_bytes) != _LEN.size:
        raise ExportAuthenticationError("The export is truncated (header).")
    (length,) = _LEN.unpack(length_bytes)
    if length > _MAX_HEADER:
        raise ExportAuthenticationError("The export header is implausibly large.")
    body = _read_exact(raw, length)
    if len(body) != length:
        raise ExportAuthenticationError("The export is truncated (header).")
    try:
        header = json.loads(body)
    except ValueError as exc:
        raise ExportAuthenticationError("The export header is not readable.") from exc
    return header, hashlib.sha256(magic + length_bytes + body).digest()


def decrypt_chunks(raw: IO[bytes], *, keyring: Keyring | None = None
                   ) -> tuple[dict[str, Any], Iterator[bytes]]:
    """The header and an iterator of authenticated plaintext chunks.

    The iterator raises ExportAuthenticationError on any altered, missing, reordered
    or trailing chunk, and when the file ends before its final chunk."""
    keyring = keyring or keyring_load()
    header, digest = header_read(raw)
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or header.get("v") != 1:
        raise ExportAuthenticationError("Unknown export encryption format.")
    if kid not in keyring.keys:
        raise ExportKeyError(
            f"No key {kid!r} in the keyring (BACKUP_ENCRYPTION_KEY / BACKUP_ENCRYPTION_OLD_KEYS)."
        )
    try:
        wrapped = base64.b64decode(header["wrapped_key"])
        data_key = AESGCM(keyring.keys[kid]).decrypt(
            wrapped[:12], wrapped[12:], b"zargar-data-key|" + kid.encode()
        )
    except (InvalidTag, KeyError, ValueError) as exc:
        raise ExportAuthenticationError(
            f"The data key does not open with key {kid!r}: wrong key or altered header."
        ) from exc
    aead = AESGCM(data_key)
    max_sealed = int(header.get("chunk", CHUNK_SIZE)) + _TAG

    def chunks() -> Iterator[bytes]:
        index = 0
        while True:
            length_bytes = _read_exact(raw, _LEN.size)
            if len(length_bytes) != _LEN.size:
                raise ExportAuthenticationError("The export is truncated (no final chunk).")
            (length,) = _LEN.unpack(length_bytes)
            if length < _TAG or length > max_sealed:
                raise ExportAuthenticationError("The export is damaged (bad chunk length).")
            sealed = _read_exact(raw, length)
            if len(sealed) != length:
                raise ExportAuthenticationError("The export is truncated (partial chunk).")
            plain = None
            for final in (False, True):
                try:
                    plain = aead.decrypt(_nonce(index), sealed, _aad(digest, index, final))
                except InvalidTag:
                    continue
                if final:
                    if raw.read(1):
                        raise ExportAuthenticationError(
                            "The export has data after its final chunk."
                        )
                    yield plain
                    return
                break
            if plain is None:
                raise ExportAuthenticationError(
                    f"The export failed authentication at chunk {index}: it was altered."
                )
            yield plain
            index += 1

    return header, chunks()


class DecryptingReader(io.RawIOBase):
    """A read-only stream of authenticated plaintext (for zstd / tarfile)."""

    def __init__(self, raw: IO[bytes], *, keyring: Keyring | None = None) -> None:
        self.header, self._chunks = decrypt_chunks(raw, keyring=keyring)
        self._pending = memoryview(b"")
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._done:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                self._done = True
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n
