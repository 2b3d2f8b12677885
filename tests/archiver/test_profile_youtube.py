"""The YouTube profile: which URLs it takes, what it reads from YouTube look-alike pages (tests/assets/
platforms/youtube/), every page state, hostile pages, and ``prepare`` bounded in a real Chromium."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.chromium import HANG, Serve, in_chromium
from vestige.archiver.profiles import PostRecord, select_profile
from vestige.archiver.profiles.post import MAX_REPLIES
from vestige.archiver.profiles.youtube import YouTubeProfile, youtube_target

if TYPE_CHECKING:
    from playwright.async_api import ViewportSize

ASSETS = Path(__file__).parents[1] / "assets" / "platforms" / "youtube"
WATCH = "https://www.youtube.com/watch?v=Vx7kQ2mZp9A"
CHANNEL = "https://www.youtube.com/@dity_dodomu_example/videos"
PLAYER_SCRIPT = r"<script nonce=\"fixture\">var ytInitialPlayerResponse = .*?</script>"


def fixture(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def extract(url: str, html: str) -> PostRecord:
    record = YouTubeProfile().extract(url, html)
    assert record is not None
    return record


def player_of(html: str) -> dict[str, Any]:
    m = re.search(r"var ytInitialPlayerResponse = (\{.*?\});var meta", html, re.S)
    assert m is not None
    player: dict[str, Any] = json.loads(m.group(1))
    return player


def _js(value: Any) -> str:
    """JSON as YouTube writes it into a script: "<" and ">" escaped, so no text can end the script."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def watch_page(player: dict[str, Any] | None, body: str = "", data: dict[str, Any] | None = None) -> str:
    """A watch page carrying ``player`` as ytInitialPlayerResponse (and ``data`` as ytInitialData)."""
    scripts = "" if player is None else f"<script>var ytInitialPlayerResponse = {_js(player)};</script>"
    if data is not None:
        scripts += f"<script>var ytInitialData = {_js(data)};</script>"
    return f"<html><body>{scripts}<ytd-app>{body}</ytd-app></body></html>"


def status(value: str, reason: str = "", subreason: str = "", details: bool = False) -> dict[str, Any]:
    player: dict[str, Any] = {
        "playabilityStatus": {
            "status": value,
            "reason": reason,
            "errorScreen": {"playerErrorMessageRenderer": {"subreason": {"runs": [{"text": subreason}]}}},
        }
    }
    if details:
        player["videoDetails"] = {"videoId": "Vx7kQ2mZp9A", "title": "Назва", "author": "Канал"}
    return player


# ---------------------------------------------------------------- which URLs


@pytest.mark.parametrize(
    ("url", "kind", "video_id"),
    [
        (WATCH, "video", "Vx7kQ2mZp9A"),
        (f"{WATCH}&t=42s&list=PLfixture", "video", "Vx7kQ2mZp9A"),
        ("https://m.youtube.com/watch?v=Vx7kQ2mZp9A", "video", "Vx7kQ2mZp9A"),
        ("http://youtube.com/watch/?v=Vx7kQ2mZp9A", "video", "Vx7kQ2mZp9A"),
        ("https://youtu.be/Vx7kQ2mZp9A?si=fixture", "video", "Vx7kQ2mZp9A"),
        ("https://www.youtube.com/shorts/Vx7kQ2mZp9A", "video", "Vx7kQ2mZp9A"),
        ("https://www.youtube.com/live/Vx7kQ2mZp9A?feature=share", "video", "Vx7kQ2mZp9A"),
        ("https://www.youtube.com/embed/Vx7kQ2mZp9A?start=10", "video", "Vx7kQ2mZp9A"),
        ("https://www.youtube-nocookie.com/embed/Vx7kQ2mZp9A", "video", "Vx7kQ2mZp9A"),
        ("https://www.youtube.com/v/Vx7kQ2mZp9A", "video", "Vx7kQ2mZp9A"),
        ("https://www.youtube.com/@dity_dodomu_example", "channel", None),
        (CHANNEL, "channel", None),
        ("https://m.youtube.com/@dity_dodomu_example/featured", "channel", None),
        (
            "https://www.youtube.com/@%D0%94%D1%96%D1%82%D0%B8%D0%94%D0%BE%D0%B4%D0%BE%D0%BC%D1%83",
            "channel",
            None,
        ),
        ("https://www.youtube.com/channel/UCdityDodomuFixture00001", "channel", None),
        ("https://www.youtube.com/c/DityDodomu/about", "channel", None),
        ("https://www.youtube.com/user/dityDodomu", "channel", None),
    ],
)
def test_matches_videos_channels_and_short_links(url: str, kind: str, video_id: str | None) -> None:
    target = youtube_target(url)
    assert target is not None and target.kind == kind and target.video_id == video_id
    assert select_profile(url).name == "youtube"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch",
        "https://www.youtube.com/watch?v=tooShort",
        "https://www.youtube.com/watch?v=Vx7kQ2mZp9A!",
        "https://www.youtube.com/results?search_query=депортація+дітей",
        "https://www.youtube.com/feed/trending",
        "https://www.youtube.com/playlist?list=PLfixture",
        "https://www.youtube.com/@dity_dodomu_example/unknown-tab",
        "https://www.youtube.com/channel/UCshort",
        "https://www.youtube.com.evil.example/watch?v=Vx7kQ2mZp9A",
        "https://youtube.example.org/watch?v=Vx7kQ2mZp9A",
        "https://example.org/www.youtube.com/watch?v=Vx7kQ2mZp9A",
        "https://youtu.be/",
        "https://youtu.be/Vx7kQ2mZp9A0",
        "https://www.youtube-nocookie.com/@dity_dodomu_example",
        "ftp://www.youtube.com/watch?v=Vx7kQ2mZp9A",
        "https://www.youtube.com:99999/watch?v=Vx7kQ2mZp9A",
        "not a url",
    ],
)
def test_matches_nothing_else(url: str) -> None:
    assert youtube_target(url) is None
    assert select_profile(url).name != "youtube"


# ---------------------------------------------------------------- a video


def test_a_video_every_field() -> None:
    record = extract(WATCH, fixture("watch.html"))
    assert record.platform == record.profile == "youtube" and record.page_state == "post"
    assert record.post_id == "Vx7kQ2mZp9A" and record.canonical_url == WATCH
    assert record.title == "Марійка вдома: як 12-річну дівчинку повернули з Криму"
    assert record.author is not None and record.author.display_name == "Діти додому"
    assert (record.author.handle, record.author.id) == ("@dity_dodomu_example", "UCdityDodomuFixture00001")
    assert record.author.profile_url == "https://www.youtube.com/@dity_dodomu_example"
    assert record.posted_at == "2024-03-15T08:42:17Z" and record.posted_at_raw == "2024-03-15T01:42:17-07:00"
    assert record.text is not None and record.text.startswith("12-річну Марійку вивезли з окупованих Олешок")
    assert "\n\nЗаявка на пошук дитини: https://dity-dodomu.example.org/zaiavka\n" in record.text
    assert record.links == ("https://dity-dodomu.example.org/zaiavka",)
    [video] = record.media
    assert video.url is not None and video.url.startswith(
        "https://rr3---sn-fixture.googlevideo.com/videoplayback?"
    )
    assert (video.type, video.width, video.height, video.duration_s) == ("video", 640, 360, 27.0)
    assert video.thumbnail_url == "https://i.ytimg.com/vi/Vx7kQ2mZp9A/maxresdefault.jpg"
    assert record.counts == {"views": 48213, "likes": 2317, "replies": 1204}
    assert record.counts_raw == {"views": "48213", "likes": "2,317", "replies": "1,204 Comments"}
    assert record.discovery["oembed"].startswith("https://www.youtube.com/oembed?format=json&url=")
    assert record.sources["posted_at"] == "ytInitialPlayerResponse.microformat.publishDate"
    assert record.sources["counts.likes"].startswith("ytd-watch-metadata like-button-view-model")
    assert record.language is None and record.edited is None


def test_comments_and_their_replies() -> None:
    record = extract(WATCH, fixture("watch.html"))
    assert [r.post_id for r in record.replies] == [
        "UgzFixtureOlena0001AaABAg", "UgzFixtureSasha0002AaABAg", "UgzFixtureMarta0003AaABAg",
    ]  # fmt: skip
    first, second, third = record.replies
    assert first.canonical_url == f"{WATCH}&lc=UgzFixtureOlena0001AaABAg"
    assert first.author is not None and first.author.handle == "@olena_kherson_example"
    assert first.author.profile_url == "https://www.youtube.com/@olena_kherson_example"
    assert first.text == "Слава Богу, що Марійка вдома. Скільки ще наших дітей там залишилось..."
    assert first.posted_at is None and first.posted_at_raw == "8 months ago" and first.edited is False
    assert first.counts == {"likes": 311}
    assert [r.post_id for r in first.replies] == [
        "UgzFixtureOlena0001AaABAg.9zFixtureIvan01", "UgzFixtureOlena0001AaABAg.9zFixtureDity02",
    ]  # fmt: skip
    assert first.replies[1].author is not None and first.replies[1].author.handle == "@dity_dodomu_example"
    assert second.edited is True and second.posted_at_raw == "8 months ago"
    assert "edited_at: YouTube marks the comment as edited but does not show when" in second.unreadable
    assert third.text is not None and third.text.endswith("Досі оформлюємо документи, щоб забрати.")
    assert "replies: the page showed 5 comments; the first 3 are kept (--replies 3)" in record.unreadable


@pytest.mark.parametrize(("mark", "kept"), [(None, 5), ("1", 1), ("0", 0), ("99", 5)])
def test_the_replies_limit_written_by_prepare(mark: str | None, kept: int) -> None:
    html = fixture("watch.html").replace(' data-vestige-replies="3"', "")
    if mark is not None:
        html = html.replace('<html lang="en"', f'<html lang="en" data-vestige-replies="{mark}"', 1)
    record = extract(WATCH, html)
    assert len(record.replies) == kept
    last = record.replies[-1] if record.replies else None
    if kept == 5:
        assert last is not None and last.counts == {"likes": 0} and last.counts_raw == {"likes": ""}


def test_the_rendered_page_alone() -> None:
    html = re.sub(PLAYER_SCRIPT, "", fixture("watch.html"), flags=re.S)
    html = re.sub(r"<script nonce=\"fixture\">var ytInitialData = .*?</script>", "", html, flags=re.S)
    record = extract(WATCH, html)
    assert record.page_state == "post" and record.post_id == "Vx7kQ2mZp9A"
    assert record.title == "Марійка вдома: як 12-річну дівчинку повернули з Криму"
    assert record.author is not None and record.author.handle == "@dity_dodomu_example"
    assert record.author.display_name == "Діти додому"
    assert record.text is not None and record.text.endswith(
        "#повернення #дітидодому"
    )  # the opened description
    assert record.sources["text"] == "ytd-text-inline-expander #expanded"
    assert record.media[0].url is not None and "googlevideo.com" in record.media[0].url
    assert record.counts == {"likes": 2317, "replies": 1204} and len(record.replies) == 3


def test_a_collapsed_description_is_said_to_be_cut() -> None:
    html = re.sub(PLAYER_SCRIPT, "", fixture("watch-live.html"), flags=re.S)
    record = extract(WATCH, html)
    assert (
        record.text
        == "12-річну Марійку вивезли з окупованих Олешок до «оздоровчого табору» в Криму восени 2022 року."
    )
    assert "text: the description was shown collapsed: only its start was read" in record.unreadable


def test_the_player_of_another_video_is_not_used() -> None:
    other = "https://www.youtube.com/watch?v=Other000001"
    record = extract(other, fixture("watch.html"))
    assert (
        "page: the player response is for video Vx7kQ2mZp9A, not Other000001; not used" in record.unreadable
    )
    assert record.post_id == "Other000001" and "views" not in record.counts


def _js_string(value: Any) -> str:
    """JSON in a JavaScript string literal as YouTube's mobile site writes it (``'\\x7b\\x22...'``): brackets,
    quotes and backslashes as \\xNN, what is not ASCII as \\uNNNN (surrogate pairs beyond the BMP)."""
    out = []
    for c in json.dumps(value, ensure_ascii=False):
        if c in "{}[]\"'\\<>&=":
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) > 0xFFFF:
            high, low = divmod(ord(c) - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
        elif ord(c) > 0x7E:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "'" + "".join(out) + "'"


def test_the_mobile_site_s_page_data_in_string_literals() -> None:
    """m.youtube.com keeps its player response and page data as JSON text in JavaScript strings, which its
    scripts parse later; read the same as the desktop page's objects."""
    desktop = fixture("watch.html")
    m = re.search(r"var ytInitialData = (\{.*?\});</script>", desktop, re.S)
    assert m is not None
    data = json.loads(m.group(1))
    player = player_of(desktop)
    player["videoDetails"]["title"] += " 🇺🇦"  # beyond the BMP: a surrogate pair in the literal
    scripts = f"var ytInitialPlayerResponse = {_js_string(player)};var ytInitialData = {_js_string(data)};"
    assert "\\x7b\\x22" in scripts and "\\ud83c\\uddfa" in scripts
    mobile = f"<html><body><script>{scripts}</script><ytm-app></ytm-app></body></html>"
    url = "https://m.youtube.com/watch?v=Vx7kQ2mZp9A"
    record = extract(url, mobile)
    assert record.page_state == "post" and record.post_id == "Vx7kQ2mZp9A"
    assert record.title == "Марійка вдома: як 12-річну дівчинку повернули з Криму 🇺🇦"
    assert record.author is not None and record.author.display_name == "Діти додому"
    assert record.posted_at == "2024-03-15T08:42:17Z"
    assert record.text is not None and record.text.startswith("12-річну Марійку вивезли з окупованих Олешок")
    assert [v.duration_s for v in record.media] == [27.0]
    assert record.counts["views"] == 48213 and record.counts["likes"] == 2317
    assert record.sources["counts.likes"].endswith("accessibilityText")
    unclosed = "var ytInitialPlayerResponse = '\\x7b\\x22videoDetails;"
    broken = extract(url, f"<html><script>{unclosed}</script></html>")
    assert broken.page_state != "post"
    assert any("the string is not closed" in u for u in broken.unreadable), broken.unreadable


def test_likes_and_comment_count_from_the_page_data() -> None:
    html = fixture("watch.html")
    html = re.sub(r'aria-label="like this video along with 2,317 other people"', "", html)
    html = re.sub(r'<h2 id="count".*?</h2>', "", html, flags=re.S)
    record = extract(WATCH, html)
    assert record.counts["likes"] == 2317 and record.sources["counts.likes"].endswith("accessibilityText")
    assert record.counts["replies"] == 1200 and record.counts_raw["replies"] == "1.2K"
    old = {"segmentedLikeDislikeButtonRenderer": {"likeButton": {"toggleButtonRenderer": {"defaultText": {
        "accessibility": {"accessibilityData": {"label": "1,234 likes"}}}}}}}  # fmt: skip
    record = extract(WATCH, watch_page(player_of(fixture("watch.html")), "", {"contents": [old]}))
    assert record.counts["likes"] == 1234 and record.counts_raw["likes"] == "1,234 likes"


def test_shorts_live_and_embed() -> None:
    player = player_of(fixture("watch.html"))
    shorts = extract("https://www.youtube.com/shorts/Vx7kQ2mZp9A", watch_page(player))
    assert shorts.canonical_url == "https://www.youtube.com/shorts/Vx7kQ2mZp9A"
    live = dict(player, playabilityStatus={"status": "LIVE_STREAM_OFFLINE", "reason": "Premieres in 2 hours"})
    assert extract("https://www.youtube.com/live/Vx7kQ2mZp9A", watch_page(live)).page_state == "post"
    embedded = json.dumps({"PLAYER_VARS": {"embedded_player_response": json.dumps(player)}})
    embed = extract(
        "https://www.youtube.com/embed/Vx7kQ2mZp9A", f"<html><script>ytcfg.set({embedded});</script></html>"
    )
    assert (
        embed.page_state == "post" and embed.title == "Марійка вдома: як 12-річну дівчинку повернули з Криму"
    )
    assert "page: an embedded player shows no likes, comments or description of its own" in embed.unreadable


def test_a_video_youtube_does_not_play_keeps_its_details() -> None:
    player = status(
        "UNPLAYABLE", "Playback on other websites has been disabled by the video owner", details=True
    )
    record = extract(WATCH, watch_page(player))
    assert record.page_state == "post" and record.title == "Назва"
    assert any(n.startswith("media: YouTube does not play the video (UNPLAYABLE") for n in record.unreadable)


def test_a_channel_page() -> None:
    record = extract(CHANNEL, fixture("channel.html"))
    assert record.page_state == "channel" and record.title == "Діти додому"
    assert record.canonical_url == "https://www.youtube.com/@dity_dodomu_example"
    assert record.author is not None and record.author.id == "UCdityDodomuFixture00001"
    assert record.author.handle == "@dity_dodomu_example"
    assert record.text is not None and record.text.startswith("Волонтерська ініціатива.")
    assert record.counts == {"subscribers": 10500, "videos": 48}
    assert [m.post_id for m in record.messages] == ["Zq9Fixture3", "Kp2Fixture8", "Vx7kQ2mZp9A"]
    newest = record.messages[-1]
    assert newest.title == "Марійка вдома: як 12-річну дівчинку повернули з Криму"
    assert newest.posted_at_raw == "8 months ago" and newest.counts == {"views": 48213}
    assert newest.media[0].duration_s == 27.0 and newest.media[0].url is None


def test_a_channel_page_s_older_header_and_rendered_grid() -> None:
    html = fixture("channel.html")
    data = json.loads(re.search(r"var ytInitialData = (\{.*\});</script>", html, re.S).group(1))  # type: ignore[union-attr]
    data["header"] = {
        "c4TabbedHeaderRenderer": {
            "subscriberCountText": {"simpleText": "10,5 тыс. подписчиков"},
            "videosCountText": {"runs": [{"text": "48"}, {"text": " видео"}]},
        }
    }
    data["contents"] = {}
    replaced = f"var ytInitialData = {_js(data)};</script>"
    page = re.sub(r"var ytInitialData = \{.*\};</script>", lambda _m: replaced, html, flags=re.S)
    record = extract(CHANNEL, page)
    assert record.counts == {"subscribers": 10500, "videos": 48}
    assert [m.post_id for m in record.messages] == ["Zq9Fixture3", "Kp2Fixture8", "Vx7kQ2mZp9A"]
    assert record.sources["messages"].startswith("ytd-rich-item-renderer")


# ---------------------------------------------------------------- what the page shows instead


def test_deleted_and_login_wall_fixtures() -> None:
    deleted = extract("https://www.youtube.com/watch?v=Qd3Fixture0", fixture("deleted.html"))
    assert deleted.page_state == "deleted" and deleted.post_id == "Qd3Fixture0"
    assert deleted.unreadable == (
        "post: YouTube: ERROR, 'Video unavailable / This video has been removed by the uploader'",
    )
    private = extract("https://youtu.be/Pr1vFixture", fixture("login-wall.html"))
    assert (
        private.page_state == "login_wall"
        and private.canonical_url == "https://www.youtube.com/watch?v=Pr1vFixture"
    )


AGE = "This video may be inappropriate for some users."
TERMINATED = (
    "This video is no longer available because the YouTube account associated with it has been terminated."
)
MEMBERS = "Join this channel to get access to members-only content like this video, and more."


@pytest.mark.parametrize(
    ("player", "state"),
    [
        (status("LOGIN_REQUIRED", "Sign in to confirm your age", AGE), "age_gate"),
        (status("AGE_CHECK_REQUIRED", "", ""), "age_gate"),
        (status("CONTENT_CHECK_REQUIRED", "The following content may contain self-harm topics."), "age_gate"),
        (
            status("UNPLAYABLE", "The uploader has not made this video available in your country"),
            "geo_blocked",
        ),
        (
            status("LOGIN_REQUIRED", "Sign in to confirm you’re not a bot", "This helps protect us."),
            "rate_limited",
        ),
        (status("ERROR", "Video unavailable", "This video is unavailable"), "not_found"),
        (status("ERROR", "Video unavailable", TERMINATED), "deleted"),
        (status("UNPLAYABLE", MEMBERS), "login_wall"),
        (status("LOGIN_REQUIRED", "Войдите, чтобы подтвердить свой возраст"), "age_gate"),
        (status("ERROR", "Видео недоступно", "Автор удалил это видео."), "deleted"),
        (status("UNPLAYABLE", "Владелец видео запретил его показ в вашей стране."), "geo_blocked"),
        (status("LOGIN_REQUIRED", "Войдите, чтобы подтвердить, что вы не бот"), "rate_limited"),
        (status("LOGIN_REQUIRED", "Видео с ограниченным доступом"), "login_wall"),
        (status("UNPLAYABLE", "Something new"), "not_found"),  # no details of the video either
    ],
)
def test_playability(player: dict[str, Any], state: str) -> None:
    record = extract(WATCH, watch_page(player))
    assert record.page_state == state and record.post_id == "Vx7kQ2mZp9A"
    assert len(record.unreadable) == 1 and record.unreadable[0].startswith("post: YouTube: ")


REMOVED = "This video has been removed for violating YouTube's Terms of Service"


@pytest.mark.parametrize(
    ("body", "state"),
    [
        ("<p>Our systems have detected unusual traffic from your computer network.</p>", "rate_limited"),
        ("<p>Наши системы зарегистрировали подозрительный трафик из вашей сети.</p>", "rate_limited"),
        (
            '<form action="https://consent.youtube.com/save"><h1>Before you continue to YouTube</h1>',
            "login_wall",
        ),
        ("<h1>Прежде чем перейти к YouTube</h1>", "login_wall"),
        ("<p>This page isn't available. Sorry about that.</p>", "not_found"),
        (f'<div id="error-screen"><div>Video unavailable</div><div>{REMOVED}</div></div>', "deleted"),
    ],
)
def test_pages_without_a_player_response(body: str, state: str) -> None:
    assert extract(WATCH, f"<html><body>{body}</body></html>").page_state == state


def test_channel_states() -> None:
    gone = {
        "alerts": [
            {"alertRenderer": {"type": "ERROR", "text": {"simpleText": "This account has been terminated."}}}
        ]
    }
    terminated = extract(CHANNEL, f"<html><script>var ytInitialData = {json.dumps(gone)};</script></html>")
    assert (
        terminated.page_state == "deleted"
        and terminated.canonical_url == "https://www.youtube.com/@dity_dodomu_example"
    )
    missing = extract(
        "https://www.youtube.com/@nobody_example", "<html><body><p>404 Not Found</p></body></html>"
    )
    assert missing.page_state == "not_found"


def test_the_video_s_own_words_cannot_make_it_a_block_page() -> None:
    html = fixture("watch.html").replace(
        "Марійка вдома: як 12-річну дівчинку повернули з Криму</yt-formatted-string>",
        "Before you continue to YouTube: unusual traffic from your computer network</yt-formatted-string>",
    )
    fake = "var ytInitialPlayerResponse = {};"
    html = html.replace("Гаряча лінія:", f"{fake} Гаряча лінія:")  # quoted in the description, in both blobs
    record = extract(WATCH, html)
    assert record.page_state == "post" and record.post_id == "Vx7kQ2mZp9A" and record.counts["views"] == 48213


def test_a_page_that_is_not_youtube_s() -> None:
    assert YouTubeProfile().extract(WATCH, "<html><body><p>hello</p></body></html>") is None
    record = extract(WATCH, "<html><body><ytd-app></ytd-app></body></html>")
    assert record.page_state == "unknown" and record.post_id == "Vx7kQ2mZp9A"


# ---------------------------------------------------------------- hostile pages


def test_broken_and_hostile_json() -> None:
    broken = extract(
        WATCH,
        fixture("watch.html").replace(
            'var ytInitialPlayerResponse = {"', 'var ytInitialPlayerResponse = {,"'
        ),
    )
    assert any(n.startswith("page: YouTube's player response: ytInitialPlayerResponse is not valid JSON")
               for n in broken.unreadable)  # fmt: skip
    assert broken.page_state == "post" and broken.title is not None  # the rendered page is still read
    deep = extract(
        WATCH, "<ytd-app></ytd-app><script>var ytInitialPlayerResponse = " + '{"a":' * 100_000 + "</script>"
    )
    assert any("nested too deeply" in n for n in deep.unreadable)
    huge = extract(
        WATCH, '<ytd-app></ytd-app><script>var ytInitialData = {"x":"' + "ж" * 8_100_000 + '"};</script>'
    )
    assert any("larger than 8,000,000 characters" in n for n in huge.unreadable)
    many = "".join(f"<script>var ytInitialPlayerResponse = {{,{i}</script>" for i in range(1000))
    assert any("not valid JSON" in n for n in extract(WATCH, f"<ytd-app></ytd-app>{many}").unreadable)


def test_wrong_types_everywhere() -> None:
    player = {
        "playabilityStatus": {"status": ["OK"]}, "videoDetails": {"videoId": "Vx7kQ2mZp9A", "title": {"x": 1},
        "lengthSeconds": "long", "viewCount": -3, "author": 7, "thumbnail": {"thumbnails": "none"},
        "shortDescription": ["a"]}, "microformat": {"playerMicroformatRenderer": {"publishDate": "yesterday",
        "ownerProfileUrl": ["x"]}}, "streamingData": {"formats": {"url": "x"}},
    }  # fmt: skip
    data = {"contents": [{"likeButtonViewModel": "x"}, {"commentsEntryPointHeaderRenderer": []}]}
    record = extract(WATCH, watch_page(player, "", data))
    assert record.page_state == "post" and record.post_id == "Vx7kQ2mZp9A" and record.title is None
    assert "posted_at: not an ISO 8601 time: 'yesterday'" in record.unreadable
    PostRecord.from_json(json.loads(json.dumps(record.to_json())))


def test_control_characters_and_many_comments() -> None:
    player = player_of(fixture("watch.html"))
    player["videoDetails"]["shortDescription"] = "до <script>alert(1)</script>\x00\x07після"
    thread = (
        '<ytd-comment-thread-renderer><ytd-comment-view-model id="comment">'
        '<a id="author-text" href="/@x_example">@x_example</a><span id="content-text">текст\x1b[31m</span>'
        "</ytd-comment-view-model></ytd-comment-thread-renderer>"
    )
    record = extract(WATCH, watch_page(player, f"<ytd-comments>{thread * 5000}</ytd-comments>"))
    assert record.text == "до <script>alert(1)</script>після"
    assert len(record.replies) == MAX_REPLIES and record.replies[0].text == "текст[31m"
    assert "replies: the page showed 5000 comments; the first 100 are kept (at most 100)" in record.unreadable


_FRAGMENTS = st.sampled_from(
    [
        "<script>var ytInitialPlayerResponse = ",
        "<script>var ytInitialData = ",
        "</script>",
        "{",
        "}",
        "[",
        "]",
        ",",
        '"',
        '"videoDetails":{"videoId":"Vx7kQ2mZp9A",',
        '"playabilityStatus":{"status":"ERROR","reason":"removed"}',
        '"metadata":{"channelMetadataRenderer":{"title":"',
        '"videoRenderer":{"videoId":"',
        "<ytd-comment-thread-renderer>",
        '<a id="author-text" href="/@',
        '<span id="published-time-text"><a href="',
        "<ytd-watch-metadata>",
        '<div id="title"><h1>',
        "Video unavailable",
        "\x00",
        "\ud800",
        "</div>",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), max_size=40))
def test_arbitrary_markup_never_breaks_extraction(parts: list[str]) -> None:
    html = "".join(parts)
    for url in (WATCH, CHANNEL, "https://www.youtube.com/embed/Vx7kQ2mZp9A"):
        record = YouTubeProfile().extract(url, html)
        if record is not None:
            text = json.dumps(record.to_json(), ensure_ascii=False)
            assert PostRecord.from_json(json.loads(text)) == record


@pytest.mark.parametrize(
    ("url", "name"), [(WATCH, "watch.html"), (CHANNEL, "channel.html"), (WATCH, "deleted.html")]
)
def test_json_round_trip(url: str, name: str) -> None:
    record = extract(url, fixture(name))
    assert PostRecord.from_json(json.loads(json.dumps(record.to_json(), ensure_ascii=False))) == record


# ---------------------------------------------------------------- prepare, in a real Chromium


VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


def _on_watch(html: str) -> Serve:
    """``html`` for the watch page; the comments' requests never answered; anything else refused."""
    return lambda url: html if url.startswith(WATCH) else HANG if "/youtubei/v1/next" in url else None


@pytest.mark.slow
def test_prepare_is_bounded_when_the_comments_never_come() -> None:
    async def run(page: Any) -> tuple[list[str], str | None, bool]:
        await page.goto(WATCH, wait_until="load")
        notes = await asyncio.wait_for(YouTubeProfile().prepare(page, 3.0, replies=5), 60)
        mark = await page.evaluate("document.documentElement.getAttribute('data-vestige-replies')")
        opened = await page.evaluate(
            "document.querySelector('#description-inline-expander #expanded').hidden"
        )
        return notes, mark, opened

    notes, mark, hidden = asyncio.run(
        in_chromium(_on_watch(fixture("watch-live.html")), run, viewport=VIEWPORT)
    )
    assert mark == "5" and hidden is False
    assert notes[0] == "youtube: opened the description ('...more')"
    assert notes[1] == "youtube: 0 comment thread(s) shown after 1 scroll(s) to the comments' end"


@pytest.mark.slow
def test_prepare_is_bounded_when_the_page_never_answers() -> None:
    busy = fixture("watch-live.html").replace(
        "(() => {", "setTimeout(() => { for (;;) {} }, 300);\n(() => {", 1
    )

    async def run(page: Any) -> list[str]:
        await page.goto(WATCH, wait_until="load")
        await asyncio.sleep(0.5)  # the page's script is now looping for ever
        notes: list[str] = await asyncio.wait_for(YouTubeProfile().prepare(page, 3.0, replies=5), 60)
        return notes

    notes = asyncio.run(in_chromium(_on_watch(busy), run, viewport=VIEWPORT))
    assert notes == ["youtube: no comments loaded: the page did not answer"]
