"""Authenticated chunked encryption: what goes in comes out; any altered, cut,
reordered or appended byte fails; old keys still open old files after a rotation."""

import io
import os
import struct

import pytest

from backups.crypto import (
    MAGIC,
    DecryptingReader,
    EncryptingWriter,
    ExportAuthenticationError,
    ExportKeyError,
    backup_key_generate,
    keyring_load,
)

CHUNK = 1000


def seal(data: bytes, keyring, chunk: int = CHUNK) -> bytes:  # noqa: ANN001
    out = io.BytesIO()
    writer = EncryptingWriter(out, keyring=keyring, meta={"tenant": {"id": "x"}},
                              chunk_size=chunk)
    for i in range(0, len(data), 333):
        writer.write(data[i:i + 333])
    writer.close()
    return out.getvalue()


def open_all(blob: bytes, keyring) -> bytes:  # noqa: ANN001
    return DecryptingReader(io.BytesIO(blob), keyring=keyring).read()


def chunk_offsets(blob: bytes) -> list[tuple[int, int]]:
    """(offset, length) of every sealed chunk, framing included."""
    (hlen,) = struct.unpack(">I", blob[len(MAGIC):len(MAGIC) + 4])
    pos = len(MAGIC) + 4 + hlen
    result = []
    while pos < len(blob):
        (n,) = struct.unpack(">I", blob[pos:pos + 4])
        result.append((pos, 4 + n))
        pos += 4 + n
    return result


@pytest.fixture
def keys():  # noqa: ANN201
    return keyring_load(backup_key_generate("k1"), [])


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 17])
def test_round_trip(keys, size: int) -> None:  # noqa: ANN001
    data = os.urandom(size)
    blob = seal(data, keys)
    assert size < 16 or data not in blob
    assert open_all(blob, keys) == data


def test_every_single_byte_change_fails(keys) -> None:  # noqa: ANN001
    blob = seal(os.urandom(3 * CHUNK), keys)
    # Magic, header, lengths, ciphertexts and tags: flip one byte at a time (a sample).
    for position in range(0, len(blob), 97):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        with pytest.raises((ExportAuthenticationError, ExportKeyError)):
            open_all(bytes(damaged), keys)


def test_truncated_file_fails_at_every_cut(keys) -> None:  # noqa: ANN001
    blob = seal(os.urandom(4 * CHUNK), keys)
    for pos, length in chunk_offsets(blob):
        # Cut exactly at a chunk boundary (whole chunks dropped) and inside a chunk.
        for cut in (pos, pos + length // 2):
            with pytest.raises(ExportAuthenticationError):
                open_all(blob[:cut], keys)


def test_reordered_or_appended_chunks_fail(keys) -> None:  # noqa: ANN001
    blob = seal(os.urandom(3 * CHUNK + 10), keys)
    chunks = chunk_offsets(blob)
    (a, la), (b, lb) = chunks[0], chunks[1]
    swapped = blob[:a] + blob[b:b + lb] + blob[a:a + la] + blob[b + lb:]
    with pytest.raises(ExportAuthenticationError):
        open_all(swapped, keys)
    with pytest.raises(ExportAuthenticationError):
        open_all(blob + blob[a:a + la], keys)


def test_chunks_of_another_file_do_not_fit(keys) -> None:  # noqa: ANN001
    data = os.urandom(2 * CHUNK + 5)
    one, two = seal(data, keys), seal(data, keys)
    (a, la) = chunk_offsets(one)[0]
    (b, lb) = chunk_offsets(two)[0]
    assert la == lb
    mixed = one[:a] + two[b:b + lb] + one[a + la:]
    with pytest.raises(ExportAuthenticationError):
        open_all(mixed, keys)


def test_key_rotation_keeps_old_files_readable() -> None:
    old_key, new_key = backup_key_generate("2026-06"), backup_key_generate("2026-12")
    before = keyring_load(old_key, [])
    data = os.urandom(2500)
    old_blob = seal(data, before)

    after = keyring_load(new_key, [old_key])
    new_blob = seal(data, after)
    assert DecryptingReader(io.BytesIO(new_blob), keyring=after).header["kid"] == "2026-12"
    assert open_all(old_blob, after) == data
    assert open_all(new_blob, after) == data

    # Once the old key leaves the keyring, its files no longer open (and say why).
    with pytest.raises(ExportKeyError, match="2026-06"):
        open_all(old_blob, keyring_load(new_key, []))


def test_a_key_of_the_same_id_but_other_bytes_fails(keys) -> None:  # noqa: ANN001
    blob = seal(b"x" * 10, keys)
    impostor = keyring_load(backup_key_generate("k1"), [])
    with pytest.raises(ExportAuthenticationError):
        open_all(blob, impostor)


@pytest.mark.parametrize("bad", ["nokey", "k:notbase64!", "k:" + "QUFB"])
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(ExportKeyError):
        keyring_load(bad, [])
