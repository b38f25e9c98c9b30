"""`nowrongdoor streams …`: the platform's JetStream streams copied to a folder, and back.

A backup is a folder: `streams.json` (the manifest, written last, so a folder without it is no
backup) and one `<STREAM>.jsonl` per stream, each line one message in stream order — its subject
without the bus namespace, its headers, its body in base64. Subjects are kept without the
namespace, so a backup restores under another `NWD_BUS_NAMESPACE` as well.

A restore republishes every message with its own headers, `Nats-Msg-Id` included. It refuses a
stream that already holds messages unless told `--force`, and then adds only the messages whose
`Nats-Msg-Id` that stream does not hold yet: run twice, it adds nothing the second time.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from nowrongdoor.bus import Bus

T = TypeVar("T")

MANIFEST = "streams.json"
FORMAT = "nowrongdoor-streams/1"
FETCH_BATCH = 256
FETCH_TIMEOUT_SECONDS = 2.0
CONNECT_SECONDS = 5.0
MESSAGE_ID = "Nats-Msg-Id"

Say = Callable[[str], None]

streams_app = typer.Typer(
    help="The platform's JetStream streams: back them up to a folder, restore them from one.",
    no_args_is_help=True,
    add_completion=False,
)


class StreamsBackupError(RuntimeError):
    """A backup or a restore cannot go on; the message says why, and nothing was lost."""


@dataclass(frozen=True)
class StreamCopy:
    """One stream of a backup, as its manifest lists it."""

    stream: str
    """The platform's name for it (`CASES`), whatever the namespace."""
    messages: int
    file: str | None
    """None when the stream did not exist on the server at backup time."""
    config: dict[str, Any]


# -- backup ------------------------------------------------------------------------------------


async def backup_streams(bus: Bus, folder: Path, say: Say) -> list[StreamCopy]:
    """Write every stream of the platform to `folder`; the manifest goes last."""
    from nowrongdoor.contracts.streams import STREAMS

    _refuse_a_used_folder(folder, STREAMS)
    found = {stream: await _stream_info(bus, stream) for stream in STREAMS}
    if not any(found.values()):
        raise StreamsBackupError(
            f"no stream of this platform exists on the server (looked for "
            f"{', '.join(bus.stream_name(stream) for stream in STREAMS)}); "
            "are NWD_NATS_URL and NWD_BUS_NAMESPACE those the services use?"
        )
    _make_folder(folder)
    copies: list[StreamCopy] = []
    written: list[Path] = []
    try:
        for stream, info in found.items():
            if info is None:
                say(f"{stream}: not on the server, nothing to back up")
                copies.append(StreamCopy(stream, 0, None, {}))
                continue
            target = folder / f"{stream}.jsonl"
            written.append(target)
            count = await _write_stream(bus, stream, info, target)
            say(f"{stream}: {count} messages -> {target}")
            copies.append(StreamCopy(stream, count, target.name, _config_of(info)))
        _write_json_atomically(
            folder / MANIFEST,
            {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(),
                "namespace": bus.namespace,
                "streams": [
                    {
                        "stream": copy.stream,
                        "messages": copy.messages,
                        "file": copy.file,
                        "config": copy.config,
                    }
                    for copy in copies
                ],
            },
        )
    except BaseException:
        # A backup without its manifest must not look like one: take its files away again.
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return copies


def _refuse_a_used_folder(folder: Path, streams: Iterable[str]) -> None:
    taken = [
        name for name in (MANIFEST, *(f"{s}.jsonl" for s in streams)) if (folder / name).exists()
    ]
    if taken:
        raise StreamsBackupError(
            f"{folder} already holds {', '.join(taken)}; choose an empty folder, so that no "
            "backup is overwritten"
        )


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StreamsBackupError(f"cannot create {folder}: {error}") from None


async def _stream_info(bus: Bus, stream: str) -> Any:
    import nats.js.errors

    try:
        return await bus.js.stream_info(bus.stream_name(stream))
    except nats.js.errors.NotFoundError:
        return None


def _config_of(info: Any) -> dict[str, Any]:
    config: dict[str, Any] = info.config.as_dict()
    return config


async def _write_stream(bus: Bus, stream: str, info: Any, target: Path) -> int:
    """Every message up to the stream's last one at the start, in order, to `target`."""
    last = int(info.state.last_seq or 0)
    partial = target.with_name(target.name + ".partial")
    count = 0
    try:
        with partial.open("w", encoding="utf-8") as out:
            if info.state.messages:
                async for message in _read_stream(bus, stream, last):
                    out.write(json.dumps(message, ensure_ascii=False) + "\n")
                    count += 1
            out.flush()
            os.fsync(out.fileno())
        partial.replace(target)
    except OSError as error:
        raise StreamsBackupError(f"cannot write {target}: {error}") from None
    finally:
        # Whatever stopped the copy, no half-written file stays behind.
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return count


async def _read_stream(bus: Bus, stream: str, last: int) -> AsyncIterator[dict[str, Any]]:
    """Messages 1…`last` of a stream, through a consumer of its own that acknowledges nothing."""
    from nats.js import api

    name = bus.stream_name(stream)
    consumer = f"nwd-backup-{uuid.uuid4().hex[:12]}"
    await bus.js.add_consumer(
        name,
        api.ConsumerConfig(
            name=consumer,
            durable_name=consumer,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_policy=api.AckPolicy.NONE,
            # Should the backup die, the server removes the consumer by itself.
            inactive_threshold=60.0,
        ),
    )
    try:
        subscription = await bus.js.pull_subscribe_bind(durable=consumer, stream=name)
        while True:
            try:
                batch = await subscription.fetch(FETCH_BATCH, timeout=FETCH_TIMEOUT_SECONDS)
            except TimeoutError:
                # Nothing came: either the end, or the last messages were deleted meanwhile.
                pending = await bus.js.consumer_info(name, consumer)
                if not pending.num_pending:
                    return
                continue
            for message in batch:
                sequence = message.metadata.sequence.stream
                if sequence > last:
                    return
                yield {
                    "sequence": sequence,
                    "time": message.metadata.timestamp.isoformat(),
                    "subject": bus.local_subject(message.subject),
                    "headers": dict(message.headers or {}),
                    "data": base64.b64encode(message.data or b"").decode("ascii"),
                }
                if sequence == last:
                    return
    finally:
        with contextlib.suppress(Exception):
            await bus.js.delete_consumer(name, consumer)


def _write_json_atomically(path: Path, document: dict[str, Any]) -> None:
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as out:
            json.dump(document, out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise StreamsBackupError(f"cannot write {path}: {error}") from None


# -- restore -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    stream: str
    published: int
    already_there: int


def read_manifest(folder: Path) -> list[StreamCopy]:
    """The streams a backup holds, each file checked against the manifest before anything is
    written anywhere."""
    from nowrongdoor.contracts.streams import STREAMS

    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise StreamsBackupError(
            f"{folder} holds no stream backup: {MANIFEST} is missing (a backup that did not "
            "finish has none)"
        )
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"format {document.get('format')!r}, not {FORMAT!r}")
        copies = [
            StreamCopy(
                stream=str(entry["stream"]),
                messages=int(entry["messages"]),
                file=entry["file"],
                config=dict(entry.get("config") or {}),
            )
            for entry in document["streams"]
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise StreamsBackupError(f"{manifest} is not a stream backup manifest: {error}") from None
    unknown = [copy.stream for copy in copies if copy.stream not in STREAMS]
    if unknown:
        raise StreamsBackupError(
            f"the backup holds streams this version of the platform does not know: "
            f"{', '.join(unknown)}; restore it with the version that wrote it"
        )
    for copy in copies:
        if copy.file is None:
            continue
        held = sum(1 for _ in _messages(folder / copy.file))
        if held != copy.messages:
            raise StreamsBackupError(
                f"{folder / copy.file} holds {held} messages where the manifest lists "
                f"{copy.messages}: the backup is damaged"
            )
    return copies


def _messages(path: Path) -> Iterator[tuple[str, dict[str, str], bytes]]:
    """(subject, headers, body) of each line of a stream file, each one checked."""
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    entry = json.loads(line)
                    subject = entry["subject"]
                    headers = entry["headers"]
                    if not isinstance(subject, str) or not subject:
                        raise ValueError("no subject")
                    if not isinstance(headers, dict) or not all(
                        isinstance(key, str) and isinstance(value, str)
                        for key, value in headers.items()
                    ):
                        raise ValueError("headers are not names and texts")
                    data = base64.b64decode(entry["data"], validate=True)
                except (ValueError, KeyError, TypeError, binascii.Error) as error:
                    raise StreamsBackupError(
                        f"{path} line {number} is not a message of a stream backup: {error}"
                    ) from None
                yield subject, headers, data
    except OSError as error:
        raise StreamsBackupError(f"cannot read {path}: {error}") from None


async def restore_streams(
    bus: Bus, folder: Path, say: Say, *, force: bool = False
) -> list[Restored]:
    """Create the platform's streams and publish the backup's messages into them, in order."""
    copies = read_manifest(folder)
    await bus.ensure_streams()
    held: dict[str, int] = {}
    for copy in copies:
        info = await bus.js.stream_info(bus.stream_name(copy.stream))
        held[copy.stream] = int(info.state.messages or 0)
    busy = {stream: count for stream, count in held.items() if count}
    if busy and not force:
        listed = ", ".join(
            f"{bus.stream_name(stream)} ({count} messages)" for stream, count in busy.items()
        )
        raise StreamsBackupError(
            f"not restoring: {listed} already hold messages, and the backup's would be added "
            "beside them. Restore into empty streams (another NWD_BUS_NAMESPACE, or a NATS "
            "server without them), or pass --force to add only the messages those streams do "
            "not hold yet"
        )
    results: list[Restored] = []
    for copy in copies:
        if copy.file is None:
            say(f"{copy.stream}: empty in the backup")
            results.append(Restored(copy.stream, 0, 0))
            continue
        present = await _message_ids(bus, copy.stream) if held[copy.stream] else set()
        restored = await _publish_all(bus, copy, folder / copy.file, present)
        say(
            f"{copy.stream}: {restored.published} messages restored"
            + (f", {restored.already_there} already there" if restored.already_there else "")
        )
        results.append(restored)
    return results


async def _message_ids(bus: Bus, stream: str) -> set[str]:
    info = await bus.js.stream_info(bus.stream_name(stream))
    ids: set[str] = set()
    async for message in _read_stream(bus, stream, int(info.state.last_seq or 0)):
        message_id = message["headers"].get(MESSAGE_ID)
        if message_id:
            ids.add(message_id)
    return ids


async def _publish_all(bus: Bus, copy: StreamCopy, path: Path, present: set[str]) -> Restored:
    published = already = 0
    for position, (subject, headers, data) in enumerate(_messages(path), start=1):
        if headers.get(MESSAGE_ID) in present:
            already += 1
            continue
        try:
            ack = await bus.js.publish(bus.subject_for(subject), data, headers=headers, timeout=5)
        except Exception as error:
            raise StreamsBackupError(
                f"{copy.stream}: stopped at message {position} of {copy.messages} "
                f"({type(error).__name__}: {error}); the {published} before it are restored. "
                "Run the restore again with --force: it adds only what is missing"
            ) from None
        if ack.duplicate:
            already += 1
        else:
            published += 1
    return Restored(copy.stream, published, already)


# -- the commands ------------------------------------------------------------------------------


def _on_bus(work: Callable[[Bus], Awaitable[T]], *, if_stopped: str) -> T:
    """Run `work` connected as the services are: NWD_NATS_URL, NWD_BUS_NAMESPACE and
    NWD_STREAM_REPLICAS, read and checked as their settings read them. `if_stopped` tells the
    operator what to do when NATS fails half-way."""
    import nats.errors
    from pydantic import ValidationError

    from nowrongdoor.bus import Bus
    from nowrongdoor.planning import redact_url
    from nowrongdoor.settings import ServiceSettings

    try:
        settings = ServiceSettings()
    except ValidationError as error:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
        raise StreamsBackupError(f"settings are not valid: {problems}") from None

    # The command says in one line what went wrong; the client's retries need no line each.
    logging.getLogger("nowrongdoor.bus").setLevel(logging.ERROR)

    async def run() -> T:
        try:
            bus = await Bus.connect(
                settings.nats_url,
                name="nowrongdoor-streams",
                namespace=settings.bus_namespace,
                replicas=settings.stream_replicas,
                wait=CONNECT_SECONDS,
            )
        except ConnectionError:
            raise StreamsBackupError(
                f"NATS at {redact_url(settings.nats_url)} did not answer; set NWD_NATS_URL to "
                "the server the services use"
            ) from None
        try:
            return await work(bus)
        except nats.errors.Error as error:
            raise StreamsBackupError(
                f"NATS at {redact_url(settings.nats_url)} failed: {type(error).__name__}: "
                f"{error}; {if_stopped}"
            ) from None
        finally:
            await bus.close()

    return asyncio.run(run())


def _fail(error: BaseException) -> typer.Exit:
    if isinstance(error, StreamsBackupError):
        typer.echo(str(error), err=True)
    else:
        typer.echo(f"stopped: {type(error).__name__}: {error}", err=True)
    return typer.Exit(1)


@streams_app.command("backup")
def backup(
    folder: Annotated[Path, typer.Argument(help="A new or empty folder to write the backup to.")],
) -> None:
    """Copy every stream of the platform, dead letters included, to FOLDER."""

    def say(line: str) -> None:
        typer.echo(line)

    try:
        copies = _on_bus(
            lambda bus: backup_streams(bus, folder, say),
            if_stopped="no backup was kept; run it again into an empty folder",
        )
    except Exception as error:
        raise _fail(error) from None
    total = sum(copy.messages for copy in copies)
    typer.echo(f"backed up {total} messages from {len(copies)} streams to {folder}")


@streams_app.command("restore")
def restore(
    folder: Annotated[Path, typer.Argument(help="A folder `streams backup` wrote.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Restore into streams that already hold messages, adding only those they lack.",
        ),
    ] = False,
) -> None:
    """Create the platform's streams and put every message of the backup in FOLDER back."""

    def say(line: str) -> None:
        typer.echo(line)

    try:
        results = _on_bus(
            lambda bus: restore_streams(bus, folder, say, force=force),
            if_stopped="what was restored stays; run the restore again with --force for the rest",
        )
    except Exception as error:
        raise _fail(error) from None
    published = sum(result.published for result in results)
    already = sum(result.already_there for result in results)
    typer.echo(
        f"restored {published} messages into {len(results)} streams"
        + (f"; {already} were there already" if already else "")
        + ". Each service's consumers read their streams again from the start when they "
        "start, and skip every event their database had already applied."
    )
