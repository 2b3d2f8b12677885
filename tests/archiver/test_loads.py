"""What a run does while its pages load: ``Loads`` (work that can wait waits for no page to be loading)
and ``CaptureSession.snapshot_s`` (when to start a page's snapshots in its wait)."""

from __future__ import annotations

import asyncio
import time

import pytest

from vestige.archiver.capture import SNAPSHOT_S, SNAPSHOT_S_MAX, SNAPSHOT_SAMPLES, CaptureSession, Loads


def test_calm_at_once_when_no_page_loads() -> None:
    async def run() -> float:
        loads = Loads()
        t0 = time.monotonic()
        await loads.calm(5)
        return time.monotonic() - t0

    assert asyncio.run(run()) < 0.5


def test_calm_waits_until_every_loading_page_has_loaded() -> None:
    async def run() -> list[str]:
        loads, said = Loads(), []

        async def page(name: str, seconds: float) -> None:
            with loads.loading():
                await asyncio.sleep(seconds)
            said.append(f"{name} loaded")

        async def waiter() -> None:
            await asyncio.sleep(0)  # the pages have begun to load
            assert loads.busy
            await loads.calm(10)
            said.append("calm")
            assert not loads.busy

        await asyncio.gather(page("first", 0.1), page("second", 0.3), waiter())
        return said

    assert asyncio.run(run()) == ["first loaded", "second loaded", "calm"]


def test_calm_gives_up_after_its_limit() -> None:
    async def run() -> tuple[float, bool]:
        loads = Loads()
        with loads.loading():
            t0 = time.monotonic()
            await loads.calm(0.2)
            return time.monotonic() - t0, loads.busy

    waited, busy = asyncio.run(run())
    assert busy and 0.15 <= waited < 2


def test_a_page_whose_load_fails_still_ends_its_loading() -> None:
    async def run() -> bool:
        loads = Loads()
        with pytest.raises(TimeoutError), loads.loading():
            raise TimeoutError("navigation timed out")
        return loads.busy

    assert asyncio.run(run()) is False


def test_snapshots_are_expected_to_take_the_longest_of_the_last_few() -> None:
    session = CaptureSession()
    assert session.snapshot_s == SNAPSHOT_S  # until a capture has measured them
    for _ in range(SNAPSHOT_SAMPLES):
        session.snapshots_took(0.1)
    assert session.snapshot_s == pytest.approx(0.1)
    session.snapshots_took(0.6)  # a slow one (the machine was busy): expected until it is out of the last few
    for left in range(SNAPSHOT_SAMPLES):
        assert session.snapshot_s == pytest.approx(0.6), left
        session.snapshots_took(0.1)
    assert session.snapshot_s == pytest.approx(0.1)
    session.snapshots_took(60)  # bounded: never started far before the wait's end
    assert session.snapshot_s == SNAPSHOT_S_MAX
    session.snapshots_took(0)
    assert session.snapshot_s == SNAPSHOT_S_MAX
