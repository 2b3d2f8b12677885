"""When a capture stops waiting for a page's late traffic (``Settling``), on scripted timelines.

Each step is (time, exchanges in flight, when the last exchange started or ended); the answer is the
first step at which the page counts as settled. Times are in milliseconds here (whole numbers, so that no
rounding decides a comparison); ``Settling`` takes any unit, seconds in a capture."""

from __future__ import annotations

from vestige.archiver.capture import NETWORK_IDLE_S, Settling

Step = tuple[float, bool, float]


def settled_at(settling: Settling, steps: list[Step]) -> float | None:
    for now, inflight, last in steps:
        if settling.done(inflight, last, now):
            return now
    return None


IDLE = NETWORK_IDLE_S * 1000


def settling(settle: float) -> Settling:
    return Settling(settle, idle=IDLE)


def timeline(events: list[tuple[float, float]], until: float, tick: int = 50) -> list[Step]:
    """Exchanges as (start, end) milliseconds; a step every ``tick`` up to ``until``."""
    steps: list[Step] = []
    for now in range(0, int(until) + 1, tick):
        inflight = any(start <= now < end for start, end in events)
        last = max((t for start, end in events for t in (start, end) if t <= now), default=0)
        steps.append((now, inflight, last))
    return steps


def test_a_page_quiet_after_its_load_waits_the_whole_settle() -> None:
    # The load-time traffic ends at 200 ms; nothing later: done a whole settle after it.
    assert settled_at(settling(1000), timeline([(0, 200)], 3000)) == 1200


def test_a_late_fetch_inside_the_settle_is_awaited_then_idle_after_it() -> None:
    # A fetch 600 ms after load (600 to 650): still the settle after the load traffic (1200 ms), and
    # at least the network idle after the fetch; a plain quiet wait would end at 1650 ms.
    done = settled_at(settling(1000), timeline([(0, 200), (600, 650)], 3000))
    assert done == 1200
    assert done - 650 >= IDLE


def test_late_traffic_near_the_end_of_the_settle_gets_its_idle() -> None:
    # A fetch at 1000 to 1100 ms: the settle after the load (1200 ms) is not enough; idle after the fetch.
    assert settled_at(settling(1000), timeline([(0, 200), (1000, 1100)], 3000)) == 1600


def test_a_chain_of_late_fetches_is_followed_to_its_end() -> None:
    # Each fetch starts 300 ms after the previous ended (inside the idle): all are awaited.
    chain = [(0, 200), (500, 600), (900, 1000), (1300, 1400), (1700, 1800)]
    assert settled_at(settling(1000), timeline(chain, 4000)) == 1800 + IDLE


def test_nothing_is_settled_while_an_exchange_is_in_flight() -> None:
    # A stream open from 0 to 2500 ms (its last activity, its start, long ago): not settled until it ends.
    steps = timeline([(0, 2500)], 5000)
    assert settled_at(settling(1000), steps) == 3500


def test_traffic_still_going_when_the_wait_begins_counts_from_its_end() -> None:
    # The wait begins at 300 ms while the lazy images (100 to 700 ms) load: settle counts from 700 ms.
    steps = [step for step in timeline([(0, 50), (100, 700)], 3000) if step[0] >= 300]
    assert settled_at(settling(1000), steps) == 1700


def test_a_settle_shorter_than_the_idle_is_the_whole_wait() -> None:
    # --settle 0.2: the idle after late traffic is no longer than the settle asked for.
    assert settled_at(settling(200), timeline([(0, 100), (200, 250)], 2000)) == 450


def test_no_settle_waits_only_for_the_traffic_to_end() -> None:
    assert settled_at(settling(0), timeline([(0, 300)], 2000)) == 300


def test_the_expected_end_moves_with_late_traffic() -> None:
    waiting = settling(1000)
    assert waiting.due(200) == float("inf")  # nothing known before the first look with nothing in flight
    assert not waiting.done(False, 200, 300)
    assert waiting.due(200) == 1200  # the settle after the traffic first stopped
    assert waiting.due(1000) == 1000 + IDLE  # a late exchange: the idle after it
    assert not waiting.done(False, 1000, 1200) and waiting.done(False, 1000, 1000 + IDLE)
