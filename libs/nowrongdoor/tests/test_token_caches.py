"""Tokens signed once per principal and verified once per token, never trusted beyond their
life or their key."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nowrongdoor import auth
from nowrongdoor.auth import (
    INTERNAL_AUDIENCE,
    InvalidToken,
    IssuedTokens,
    Principal,
    VerifiedTokens,
    development_signing_key,
    issue_token,
)

INSTITUTION = Principal(
    client_id="nwdc_mediateur",
    kind="institution",
    institution_id="ma-mediateur",
    scopes=frozenset({"cases:read"}),
)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(time.time())


def test_a_principal_gets_the_same_token_until_half_its_life_has_passed(
    tmp_path: Path, clock: Clock
) -> None:
    issued = IssuedTokens(
        development_signing_key(tmp_path), audience=INTERNAL_AUDIENCE, ttl_seconds=60, clock=clock
    )
    first = issued.token_for(INSTITUTION)
    other = issued.token_for(Principal.public().holding_receipt_for("NWD-7K3M9QX2VD4H"))

    clock.now += 29
    assert issued.token_for(INSTITUTION) == first
    assert other != first
    clock.now += 2
    renewed = issued.token_for(INSTITUTION)
    assert renewed != first
    verified = auth.verify_token(
        renewed, [development_signing_key(tmp_path).public()], audience=INTERNAL_AUDIENCE
    )
    assert verified == INSTITUTION


def test_a_kept_token_answers_for_its_principal_until_it_expires(
    tmp_path: Path, clock: Clock
) -> None:
    key = development_signing_key(tmp_path)
    token = issue_token(key, INSTITUTION, audience=INTERNAL_AUDIENCE, ttl_seconds=60)
    verified = VerifiedTokens(INTERNAL_AUDIENCE, clock=clock)

    assert verified.verify(token, [key.public()]) == INSTITUTION
    clock.now += 59
    assert verified.verify(token, [key.public()]) == INSTITUTION
    clock.now += 10  # past its expiry and the leeway
    with pytest.raises(InvalidToken):
        verified.verify(token, [key.public()])


def test_a_kept_token_falls_with_the_key_that_signed_it(tmp_path: Path, clock: Clock) -> None:
    old = development_signing_key(tmp_path / "old")
    new = development_signing_key(tmp_path / "new")
    token = issue_token(old, INSTITUTION, audience=INTERNAL_AUDIENCE, ttl_seconds=60)
    verified = VerifiedTokens(INTERNAL_AUDIENCE, clock=clock)

    assert verified.verify(token, [old.public(), new.public()]) == INSTITUTION
    with pytest.raises(InvalidToken):
        verified.verify(token, [new.public()])


def test_a_token_altered_after_a_genuine_one_was_kept_is_refused(
    tmp_path: Path, clock: Clock
) -> None:
    key = development_signing_key(tmp_path)
    token = issue_token(key, INSTITUTION, audience=INTERNAL_AUDIENCE, ttl_seconds=60)
    verified = VerifiedTokens(INTERNAL_AUDIENCE, clock=clock)
    verified.verify(token, [key.public()])

    head, claims, signature = token.split(".")
    altered = f"{head}.{claims}.{signature[:-4]}AAAA"
    with pytest.raises(InvalidToken):
        verified.verify(altered, [key.public()])


def test_only_so_many_tokens_are_kept(tmp_path: Path, clock: Clock) -> None:
    key = development_signing_key(tmp_path)
    verified = VerifiedTokens(INTERNAL_AUDIENCE, size=3, clock=clock)
    for number in range(5):
        caller = Principal(client_id=f"nwdc_{number}", kind="ngo")
        token = issue_token(key, caller, audience=INTERNAL_AUDIENCE, ttl_seconds=60)
        assert verified.verify(token, [key.public()]) == caller
    assert len(verified) == 3
