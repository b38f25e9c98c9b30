"""Case tracking's part of `nowrongdoor keys rotate`, named in its service declaration.

Settings come from the same environment variables the service reads. Heavy imports wait until
the command runs, so the rest of the `nowrongdoor` command starts quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nowrongdoor.rotation import RotationRun


def rotate_keys(run: RotationRun) -> str:
    """Re-seal every message body, note, reason and attachment under the active key (the first
    one configured). Run again, it carries on where it stopped.
    """
    from case_tracking.service.keys import rotate
    from case_tracking.settings import CaseTrackingSettings
    from nowrongdoor.resealing import RotationError
    from nowrongdoor.rotation import RotationStopped, on_database, sealer_for, settings_for

    settings = settings_for(CaseTrackingSettings, run)
    sealer = sealer_for(lambda: settings.keys(create=False))
    run.say(f"re-sealing under key {sealer.keys.active_key_id}")

    def progress(done: int, total: int) -> None:
        run.say(f"re-sealed {done:,} / {total:,} values")

    def attachment_progress(done: int, total: int) -> None:
        run.say(f"re-sealed {done:,} / {total:,} attachments")

    try:
        result = on_database(
            settings.resolved_database_url(),
            lambda sessions: rotate(
                sessions,
                sealer,
                settings.attachment_store_opened(),
                run.actor,
                batch_size=run.batch_size,
                progress=progress,
                attachment_progress=attachment_progress,
            ),
        )
    except RotationError as error:
        raise RotationStopped(str(error)) from None
    return (
        f"done: {result.re_sealed:,} values and {result.attachments:,} attachments re-sealed; "
        f"everything is sealed under key {result.active_key_id}"
    )
