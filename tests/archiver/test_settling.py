"""When a capture stops waiting for a page's late traffic (``Settling``), on scripted timelines.

A capture counts its settle from the page's load event, at 0 ms here (``loaded``); ``_wait_quiet`` from
the moment the traffic first stopped (``after_quiet``). Each step is (time, exchanges in flight, when the
last exchange started or ended); the answer is the first step at which the page counts as settled. Times
are in milliseconds here (whole numbers, so that no rounding decides a comparison); ``Settling`` takes any
unit, seconds in a capture."""

from __future__ import annotations

from vestige.archiver.capture import NETWORK_IDLE_S, Settling

Step = tuple[float, bool, float]


def settled_at(settling: Settling, steps: list[Step]) -> float | None:
    for now, inflight, last in steps:
        if settling.done(inflight, last, now):
            return now
    return None


IDLE = NETWORK_IDLE_S * 1000


def loaded(settle: float) -> Settling:
    return Settling(settle, idle=IDLE, since=0)


def after_quiet(settle: float) -> Settling:
    return Settling(settle, idle=IDLE)


def timeline(events: list[tuple[float, float]], until: float, tick: int = 50) -> list[Step]:
    """Exchanges as (start, end) milliseconds; a step every ``tick`` up to ``until``."""
    steps: list[Step] = []
    for now in range(0, int(until) + 1, tick):
        inflight = any(start <= now < end for start, end in events)
        last = max((t for start, end in events for t in (start, end) if t <= now), default=0)
        steps.append((now, inflight, last))
    return steps


def test_a_page_quiet_soon_after_its_load_waits_the_settle_from_the_load() -> None:
    # The load-time traffic (and the scrolling's) ends at 250 ms; nothing later: done 1 s after the load,
    # not 1 s after that traffic.
    assert settled_at(loaded(1000), timeline([(0, 250)], 3000)) == 1000


def test_a_late_fetch_inside_the_settle_is_awaited_then_idle_after_it() -> None:
    # A fetch 600 ms after load (600 to 650): at least the network idle after it; a plain quiet wait of
    # the settle would end at 1650 ms.
    done = settled_at(loaded(1000), timeline([(0, 200), (600, 650)], 3000))
    assert done == 650 + IDLE


def test_a_fetch_a_timer_starts_late_in_the_settle_is_caught() -> None:
    # The page goes quiet at 200 ms and a timer set at load fetches at 950 ms (after a network idle,
    # which would have ended at 700 ms): still awaited, and idle after it.
    assert settled_at(loaded(1000), timeline([(0, 200), (950, 1000)], 3000)) == 1000 + IDLE


def test_traffic_past_the_settle_needs_only_its_idle() -> None:
    # The page's own traffic goes on for 3 s after load: the settle is long over; idle after it.
    assert settled_at(loaded(1000), timeline([(0, 3000)], 5000)) == 3000 + IDLE


def test_a_chain_of_late_fetches_is_followed_to_its_end() -> None:
    # Each fetch starts 300 ms after the previous ended (inside the idle): all are awaited.
    chain = [(0, 200), (500, 600), (900, 1000), (1300, 1400), (1700, 1800)]
    assert settled_at(loaded(1000), timeline(chain, 4000)) == 1800 + IDLE


def test_nothing_is_settled_while_an_exchange_is_in_flight() -> None:
    # A stream open from 0 to 2500 ms (its last activity, its start, long ago): not settled until it ends.
    steps = timeline([(0, 2500)], 5000)
    assert settled_at(loaded(1000), steps) == 3000
    assert settled_at(after_quiet(1000), steps) == 3500


def test_a_settle_shorter_than_the_idle_is_the_whole_wait() -> None:
    # --settle 0.2: the idle after late traffic is no longer than the settle asked for.
    assert settled_at(loaded(200), timeline([(0, 100), (200, 250)], 2000)) == 450


def test_no_settle_waits_only_for_the_traffic_to_end() -> None:
    assert settled_at(loaded(0), timeline([(0, 300)], 2000)) == 300
    assert settled_at(after_quiet(0), timeline([(0, 300)], 2000)) == 300


def test_without_a_load_the_settle_counts_from_the_first_quiet_moment() -> None:
    # _wait_quiet: the traffic stops at 200 ms, a late exchange at 600 to 650 ms.
    assert settled_at(after_quiet(1000), timeline([(0, 200)], 3000)) == 1200
    assert settled_at(after_quiet(1000), timeline([(0, 200), (600, 650)], 3000)) == 1200
    # The wait began while lazy images (100 to 700 ms) loaded: counted from their end.
    steps = [step for step in timeline([(0, 50), (100, 700)], 3000) if step[0] >= 300]
    assert settled_at(after_quiet(1000), steps) == 1700


def test_the_expected_end_moves_with_late_traffic() -> None:
    waiting = loaded(1000)
    assert waiting.due(200) == 1000  # the settle from the load
    assert waiting.due(900) == 900 + IDLE  # a late exchange: the idle after it
    assert not waiting.done(True, 900, 2000)  # in flight: never
    assert not waiting.done(False, 900, 1300) and waiting.done(False, 900, 900 + IDLE)
    unknown = after_quiet(1000)
    assert unknown.due(200) == float("inf")  # nothing known before the first look with nothing in flight
    assert not unknown.done(False, 200, 300)
    assert unknown.due(200) == 1200
