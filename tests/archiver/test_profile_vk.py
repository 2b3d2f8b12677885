"""The VK profile on look-alike pages (tests/assets/platforms/vk/): which URLs it takes, every field of a
post, a wall and a video page, every state VK shows instead of a post, and hostile markup."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.chromium import in_chromium
from vestige.archiver.profiles import PROFILE_NAMES, PostRecord, select_profile
from vestige.archiver.profiles.post import MAX_MESSAGES, MAX_REPLIES
from vestige.archiver.profiles.readings import unix_time as unix_to_utc
from vestige.archiver.profiles.vk import vk_target
from vestige.archiver.profiles.vk_post import photo_files

ASSETS = Path(__file__).parents[1] / "assets" / "platforms" / "vk"
POST = "https://vk.com/wall-221155555_1234"
WALL = "https://vk.com/detsky_centr_example"
VIDEO = "https://vk.com/video-221155555_456239017"


def fixture(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def extract(url: str, html: str) -> PostRecord:
    record = select_profile(url).extract(url, html)
    assert record is not None
    text = json.dumps(record.to_json(), ensure_ascii=False)
    assert PostRecord.from_json(json.loads(text)) == record  # every record survives its JSON
    return record


# ---------------------------------------------------------------- which URLs


@pytest.mark.parametrize(
    ("url", "kind", "owner", "item", "page"),
    [
        (POST, "post", "-221155555", "1234", None),
        ("https://m.vk.com/wall-221155555_1234", "post", "-221155555", "1234", None),
        ("http://vk.ru/wall555001_77", "post", "555001", "77", None),
        ("https://www.vk.com/wall-221155555_1234?reply=1240&thread=1240", "post", "-221155555", "1234", None),
        (f"{WALL}?w=wall-221155555_1234", "post", "-221155555", "1234", "detsky_centr_example"),
        ("https://vk.com/feed?w=wall-1_2", "post", "-1", "2", "feed"),
        (VIDEO, "video", "-221155555", "456239017", None),
        ("https://vk.com/clip555001_456239020", "video", "555001", "456239020", None),
        (
            "https://vk.com/video?z=video-221155555_456239017%2Fpl_cat_trends",
            "video",
            "-221155555",
            "456239017",
            "video",
        ),
        ("https://vkvideo.ru/video-221155555_456239017", "video", "-221155555", "456239017", None),
        (WALL, "page", None, None, "detsky_centr_example"),
        ("https://vk.com/club221155555", "page", None, None, "club221155555"),
        ("https://vk.com/public221155555/", "page", None, None, "public221155555"),
        ("https://m.vk.com/id555001", "page", None, None, "id555001"),
        ("https://vk.com/vk.cats_example", "page", None, None, "vk.cats_example"),
    ],
)
def test_vk_urls(url: str, kind: str, owner: str | None, item: str | None, page: str | None) -> None:
    target = vk_target(url)
    assert target is not None and (target.kind, target.owner, target.item, target.page) == (
        kind,
        owner,
        item,
        page,
    )
    assert select_profile(url).name == "vk"


@pytest.mark.parametrize(
    "url",
    [
        "https://vk.com/",
        "https://vk.com/feed",
        "https://vk.com/im",
        "https://vk.com/away.php?to=https%3A%2F%2Fexample.org",
        "https://vk.com/wall-221155555_1234/extra",
        "https://vk.com/wall-221155555",
        "https://vk.com/detsky_centr_example/photos",
        "https://vk.com/12345",
        "https://vk.cc/cAbCdE",
        "https://vkvideo.ru/detsky_centr_example",
        "https://vk.com.example.org/wall-221155555_1234",
        "https://example.org/vk.com/wall-221155555_1234",
        "ftp://vk.com/wall-1_2",
        "not a url",
    ],
)
def test_urls_that_are_not_vk_posts_or_walls(url: str) -> None:
    assert vk_target(url) is None
    assert select_profile(url).name != "vk"


def test_vk_is_registered_before_the_catch_all_profiles() -> None:
    assert "vk" in PROFILE_NAMES
    assert select_profile("https://example.org/", "vk").name == "vk"


# ---------------------------------------------------------------- a post


def test_post_fields() -> None:
    record = extract(POST, fixture("post.html"))
    assert (record.platform, record.profile, record.page_state) == ("vk", "vk", "post")
    assert record.post_id == "-221155555_1234" and record.canonical_url == POST
    assert record.author is not None
    assert (
        record.author.display_name,
        record.author.handle,
        record.author.id,
        record.author.profile_url,
    ) == (
        "Детский центр «Пример»",
        "@detsky_centr_example",
        "-221155555",
        "https://vk.com/detsky_centr_example",
    )
    assert record.posted_at == "2023-10-05T06:12:40Z"
    assert record.posted_at_raw == "5 окт 2023 в 9:12 (time=1696486360)"
    assert record.text is not None
    assert record.text.startswith("Сегодня в наш центр прибыли ещё 14 детей из Херсонской области.")
    assert record.text.endswith("Подробности — news.example.org/2023/10/05/kherson\n\n#дети #Херсон")
    assert "Показать полностью" not in record.text
    assert record.links[:2] == ("https://vk.com/id555003", "https://news.example.org/2023/10/05/kherson")
    assert record.counts == {"views": 12345, "likes": 1200, "shares": 56, "replies": 8}
    assert record.counts_raw["likes"] == "1,2K" and record.counts_raw["views"] == "12 345 просмотров"
    photo, second, video = record.media
    assert (photo.type, photo.width, photo.height) == ("image", 1280, 853)
    assert (
        photo.url
        == "https://sun9-74.userapi.com/impg/fixture-photo-101.jpg?size=1280x853&quality=95&type=album"
    )
    assert photo.thumbnail_url is not None and "size=604x403" in photo.thumbnail_url
    assert second.url is not None and "fixture-photo-102.jpg?size=1280x853" in second.url
    assert (video.type, video.url, video.duration_s) == ("video", None, 45.0)
    assert "https://vk.com/video-221155555_456239017" in record.links
    assert any(n.startswith("media: a video the post shows as a thumbnail") for n in record.unreadable)
    assert record.sources["posted_at"] == ".rel_date[time]"
    assert record.sources["counts.views"].startswith(".like_views[title]")


def test_post_comments_and_their_thread() -> None:
    record = extract(POST, fixture("post.html"))
    first, second = record.replies
    assert first.post_id == "-221155555_1240"
    assert first.canonical_url == "https://vk.com/wall-221155555_1234?reply=1240"
    assert first.author is not None and first.author.display_name == "Ирина Коваленко"
    assert (first.author.id, first.author.handle) == ("555001", None)
    assert first.posted_at == "2023-10-05T07:12:40Z" and first.counts == {"likes": 12}
    assert first.text is not None and first.text.startswith("Откуда именно привезли детей?")
    [answer] = first.replies
    assert answer.author is not None and answer.author.id == "-221155555"
    assert answer.reply_to is not None and answer.reply_to.url == first.canonical_url
    assert answer.reply_to.name == "Ирина Коваленко"
    assert second.text == "Это называется депортация." and second.author is not None
    assert second.author.handle == "@melnik.sergey.example" and not second.replies


def test_comments_loaded_later_are_read_like_the_first() -> None:
    html = fixture("post.html").replace(
        '<div id="post-221155555_1242"', fixture("replies-offset-2.html") + '<div id="post-221155555_1242"'
    )
    record = extract(POST, html)
    assert [r.post_id for r in record.replies] == [f"-221155555_{n}" for n in (1240, 1243, 1244, 1245, 1242)]
    assert record.replies[1].text is not None and record.replies[1].text.startswith("Мой сын Артём")


def test_answers_loaded_into_a_thread_are_nested_under_their_comment() -> None:
    end_of_first = '</div>\n    <a class="replies_next replies_next_deep"'  # the end of 1240's thread
    second_thread = 'id="replies-221155555_1242">'
    html = (
        fixture("post.html")
        .replace(end_of_first, fixture("thread-1240-offset-1.html") + end_of_first)
        .replace(second_thread, second_thread + fixture("thread-1242-offset-0.html"))
    )
    record = extract(POST, html)
    first, second = record.replies
    assert [r.post_id for r in first.replies] == ["-221155555_1241", "-221155555_1249"]
    assert [r.post_id for r in second.replies] == ["-221155555_1250", "-221155555_1251"]
    answer = second.replies[1]
    assert answer.text == "Детский центр «Пример», тимчасово — це скільки? Батьки чекають уже рік."
    assert answer.reply_to is not None and answer.reply_to.url == second.canonical_url
    assert answer.reply_to.name == "Сергей Мельник" and answer.counts == {"likes": 14}
    assert answer.canonical_url == "https://vk.com/wall-221155555_1234?reply=1251&thread=1242"
    # The threads' controls are not words of the comments they are under.
    assert second.text == "Это называется депортация." and first.counts == {"likes": 12}
    assert not any("ответ" in (r.text or "") for r in record.replies)


def test_post_opened_over_a_wall_and_a_post_missing_from_it() -> None:
    record = extract(f"{WALL}?w=wall-221155555_1233", fixture("community.html"))
    assert record.post_id == "-221155555_1233" and record.page_state == "post"
    assert record.forwarded_from is not None and record.quote_of is None
    assert record.forwarded_from.url == "https://vk.com/wall-221177777_8800"
    assert record.forwarded_from.name == "Новости Приморья (пример)"
    assert record.forwarded_from.text is not None and record.forwarded_from.text.startswith("В Анапу")
    missing = extract(f"{WALL}?w=wall-221155555_999", fixture("community.html"))
    assert missing.page_state == "not_found" and missing.post_id == "-221155555_999"
    assert "post: the page shows 3 other post(s), not -221155555_999" in missing.unreadable


# ---------------------------------------------------------------- a wall, a video page


def test_community_wall() -> None:
    record = extract(WALL, fixture("community.html"))
    assert record.page_state == "channel" and record.title == "Детский центр «Пример»"
    assert record.author is not None and (record.author.handle, record.author.id) == (
        "@detsky_centr_example",
        "-221155555",
    )
    assert record.text is not None and record.text.startswith("Государственное учреждение.")
    assert record.counts == {"subscribers": 8912, "photos": 214, "videos": 37}
    ids = [m.post_id for m in record.messages]
    assert ids == ["-221155555_1200", "-221155555_1233", "-221155555_1234"]  # oldest first, pinned too
    pinned, repost, latest = record.messages
    assert "pinned" in pinned.sources and pinned.counts == {"views": 20512, "likes": 340}
    assert repost.text is None and repost.forwarded_from is not None
    assert latest.text is not None and latest.text.endswith("по упрощённой процедуре.")


def test_video_page() -> None:
    record = extract(VIDEO, fixture("video.html"))
    assert record.page_state == "post" and record.post_id == "-221155555_456239017"
    assert record.title == "Автобус с детьми прибыл в центр"
    assert record.text is not None and record.text.endswith("из Олешек и Голой Пристани.")
    assert record.author is not None and record.author.handle == "@detsky_centr_example"
    assert (
        record.posted_at == "2023-10-05T06:12:40Z" and record.posted_at_raw == "5 окт 2023 (date=1696486360)"
    )
    [video] = record.media
    assert video.url is not None and video.url.startswith("https://vkvd481.okcdn.ru/?expires=")
    assert "type=2" in video.url and video.duration_s == 45.0
    assert (
        video.thumbnail_url
        == "https://sun9-20.userapi.com/impf/fixture-video-017.jpg?size=800x450&quality=96"
    )
    assert record.counts == {"views": 2345}


def test_video_page_without_player_data_or_a_played_file() -> None:
    html = fixture("video.html")
    no_player = html[: html.index("<script")] + html[html.index("</script>") + 9 :]
    record = extract(VIDEO, no_player)
    assert record.title == "Автобус с детьми прибыл в центр" and record.posted_at is None
    assert record.posted_at_raw == "5 окт 2023"
    assert "posted_at: VK shows only the day: '5 окт 2023'" in record.unreadable
    no_video = html.replace(
        '<video class="videoplayer_media" src=', '<video class="videoplayer_media" data-src='
    )
    record = extract(VIDEO, no_video)
    assert record.media[0].url is not None and "type=2" in record.media[0].url  # url360, the largest given
    assert record.sources["media"] == "var playerParams url360 (the largest of 2)"


# ---------------------------------------------------------------- what VK shows instead


@pytest.mark.parametrize(
    ("url", "name", "state", "said"),
    [
        ("https://vk.com/wall-221155555_1300", "login.html", "login_wall", "нужно зайти на сайт"),
        ("https://vk.com/wall-221155555_1299", "deleted.html", "deleted", "Запись удалена."),
        ("https://vk.com/wall-221155555_1298", "geo-blocked.html", "geo_blocked", "blocked in your country"),
        ("https://vk.com/id555001", "private.html", "login_wall", "Это закрытый профиль"),
        ("https://vk.com/wall-221155555_1297", "captcha.html", "rate_limited", "Слишком много запросов"),
        ("https://vk.com/adult_example", "age-gate.html", "age_gate", "младше 18 лет"),
        ("https://vk.com/nobody_example", "not-found.html", "not_found", "deleted or not been created"),
    ],
)
def test_states_from_fixtures(url: str, name: str, state: str, said: str) -> None:
    record = extract(url, fixture(name))
    assert record.page_state == state and not record.complete
    assert any(n.startswith("page: VK shows") and said in n for n in record.unreadable), record.unreadable
    if "wall" in url:
        assert record.post_id == url.rsplit("wall", 1)[1] and record.canonical_url == url


@pytest.mark.parametrize(
    ("words", "state"),
    [
        ("Post deleted.", "deleted"),
        ("Запись была удалена.", "deleted"),
        ("This community has been blocked.", "deleted"),
        ("Сообщество заблокировано за нарушение правил.", "deleted"),
        ("This video is no longer available, because it has been deleted.", "deleted"),
        ("Видеозапись была изъята из публичного доступа в связи с обращением правообладателя.", "deleted"),
        ("Материал заблокирован на территории Российской Федерации.", "geo_blocked"),
        ("The video is not available in your region.", "geo_blocked"),
        ("Post not found.", "not_found"),
        ("Страница удалена либо ещё не создана.", "not_found"),
        ("Too many requests. Please try again later.", "rate_limited"),
        ("This is a private community.", "login_wall"),
        ("Это закрытое сообщество.", "login_wall"),
        ("Please log in or sign up to watch this video.", "login_wall"),
        ("Войдите, чтобы просматривать страницу.", "login_wall"),
    ],
)
def test_vk_wording_in_english_and_russian(words: str, state: str) -> None:
    html = f'<div class="message_page page_block"><div class="message_page_body">{words}</div></div>'
    assert extract("https://vk.com/wall-1_2", html).page_state == state


def test_unknown_error_page_is_said_as_it_is_and_unknown_markup_is_never_a_post() -> None:
    odd = '<div class="message_page_body">Доступ запрещён.</div>'
    record = extract("https://vk.com/wall-1_2", odd)
    assert record.page_state == "not_found" and "page: VK shows 'Доступ запрещён.'" in record.unreadable
    blank = extract("https://vk.com/wall-1_2", '<meta property="og:title" content="VK"><p>что-то</p>')
    assert blank.page_state == "unknown" and blank.title == "VK"
    assert "page: no VK post, wall or video markup found, and no message saying why" in blank.unreadable
    words_only = extract("https://vk.com/wall-1_2", fixture("deleted.html").replace("message_page", "x"))
    assert words_only.page_state == "deleted"  # the words still say it, without the error block


def test_a_post_quoting_vk_error_words_is_still_the_post() -> None:
    html = fixture("post.html").replace(
        "Это называется депортация.", "Запись удалена. Слишком много запросов."
    )
    record = extract(POST, html)
    assert record.page_state == "post" and record.replies[1].text == "Запись удалена. Слишком много запросов."


# ---------------------------------------------------------------- values, bounds, hostile markup


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        (1696486360, "2023-10-05T06:12:40Z"),
        ("1696486360", "2023-10-05T06:12:40Z"),
        (1696486360.0, "2023-10-05T06:12:40Z"),
        (" 1696486360 ", "2023-10-05T06:12:40Z"),
        (0, None),
        (-5, None),
        (99_999_999_999, None),
        ("16964863601234567890", None),
        ("1696486360.5", None),
        (True, None),
        (None, None),
        ("вчера", None),
    ],
)
def test_unix_times(value: object, utc: str | None) -> None:
    assert unix_to_utc(value) == utc


def test_broken_photo_data_and_times_fall_back_to_what_is_shown() -> None:
    html = (
        fixture("post.html")
        .replace("{&quot;temp&quot;:{&quot;base", "{&quot;temp&quot;:{{{&quot;base")
        .replace('time="1696486360"', 'time="soon"')
    )
    record = extract(POST, html)
    assert record.media[0].url is not None and "size=604x403" in record.media[0].url  # the shown one
    assert record.media[0].width is None
    assert record.posted_at is None and record.posted_at_raw == "5 окт 2023 в 9:12"
    assert "posted_at: VK shows only a local time, without its zone: '5 окт 2023 в 9:12'" in record.unreadable


def test_control_characters_in_shown_values_are_removed() -> None:
    html = (
        fixture("post.html")
        .replace("5 окт 2023 в 9:12", "5 окт\x07 2023\x00 в 9:12")
        .replace(">12</div>", ">1\x1b2</div>")
        .replace("Ирина Коваленко</a>", "Ирина\x00 Коваленко</a>")
    )
    record = extract(POST, html)
    assert record.posted_at_raw == "5 окт 2023 в 9:12 (time=1696486360)"
    assert record.replies[0].counts == {"likes": 12}
    assert record.replies[0].author is not None and record.replies[0].author.display_name == "Ирина Коваленко"


def test_photo_files_for_prepare_stay_on_vk_hosts() -> None:
    base = "&quot;base&quot;:&quot;https://sun9-74.userapi.com/"
    html = fixture("post.html").replace(base, base.replace("sun9-74.userapi.com", "evil.example.org"), 1)
    assert photo_files(html, POST) == [
        "https://sun9-74.userapi.com/impg/fixture-photo-102.jpg?size=1280x853&quality=95&type=album"
    ]
    assert len(photo_files(fixture("post.html"), POST)) == 2


def test_hostile_posts_are_read_and_bounded() -> None:
    deep = (
        '<div class="post" data-post-id="-1_2"><div class="wall_post_text">'
        + "<div>" * 50_000
        + "глубоко\x00\x1b"
        + "</div>" * 50_000
        + '<a class="wall_post_more">Показать полностью…</a></div></div>'
    )
    record = extract("https://vk.com/wall-1_2", deep)
    assert record.text == "глубоко" and any("flattened" in n for n in record.unreadable)
    replies = "".join(
        f'<div class="reply" data-post-id="-1_{i}"><div class="wall_reply_text">{i}</div></div>'
        for i in range(3, 3 + MAX_REPLIES + 40)
    )
    many = extract("https://vk.com/wall-1_2", f'<div class="post" data-post-id="-1_2">{replies}</div>')
    assert len(many.replies) == MAX_REPLIES
    assert f"replies: the page shows {MAX_REPLIES + 40}; the first {MAX_REPLIES} are kept" in many.unreadable
    posts = "".join(f'<div class="post" data-post-id="-1_{i}"></div>' for i in range(1, 2000))
    wall = extract("https://vk.com/club1", f'<h1 class="page_name">x</h1>{posts}')
    assert len(wall.messages) == MAX_MESSAGES and wall.messages[0].post_id == "-1_101"


def test_hostile_player_data() -> None:
    html = fixture("video.html")
    start, end = html.index("var playerParams"), html.index("</script>")
    for script in (
        "var playerParams = " + "[" * 100_000 + "]" * 100_000 + ";",
        'var playerParams = {"params":[{"md_title":"' + "ж" * 500_000 + '","duration":-4,"date":"x"}]};',
        'var playerParams = {"params":"not a list"};',
        "var playerParams = {broken",
    ):
        record = extract(VIDEO, html[:start] + script + html[end:])
        assert record.page_state == "post" and record.media and record.media[0].duration_s in (None, 45.0)


_FRAGMENTS = st.sampled_from(
    [
        '<div class="post" data-post-id="-1_2">',
        '<div class="reply" data-post-id="-1_3">',
        '<div class="wall_post_text">',
        '<div class="wall_reply_text">',
        '<span class="rel_date" time="',
        '<a class="author" href="',
        "<a class=\"page_post_thumb_wrap\" onclick=\"return showPhoto('x', 'y', {&quot;temp&quot;:",
        '<a data-video="-1_2" data-duration="',
        '<div class="copy_quote"><a class="published_by_date" href="',
        '<div class="like_views" title="',
        '<div class="replies_wrap_deep">',
        '<div class="message_page_body">',
        '<h1 class="page_name">',
        "<script>var playerParams = {",
        "</div>",
        '">',
        "<br>",
        "\x00",
        "\ud800",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), max_size=40))
def test_arbitrary_markup_never_breaks_vk_extraction(parts: list[str]) -> None:
    html = "".join(parts)
    for url in (POST, WALL, VIDEO, "https://vk.com/wall-1_2"):
        record = select_profile(url).extract(url, html)
        assert record is not None
        text = json.dumps(record.to_json(), ensure_ascii=False)
        text.encode("utf-8")
        assert PostRecord.from_json(json.loads(text)) == record


# ---------------------------------------------------------------- prepare() in a real page


async def _prepare_in_chromium(html: str, replies: int, deadline: float) -> tuple[list[str], str]:
    """``prepare`` on ``html`` served as the post's page in Chromium (every other request refused); the
    notes, and the page's visible text after it."""

    async def run(page: Any) -> tuple[list[str], str]:
        notes = await select_profile(POST).prepare(page, deadline, replies=replies)
        # A page whose thread is stuck answers nothing more: its text is not asked for.
        stuck = "while (true)" in html
        return notes, "" if stuck else await page.evaluate("document.body.innerText")

    return await in_chromium(lambda url: html if url == POST else None, run, goto=POST)


@pytest.mark.slow
def test_prepare_opens_the_text_and_clicks_nothing_when_no_comments_are_asked_for() -> None:
    notes, text = asyncio.run(_prepare_in_chromium(fixture("post-live.html"), 0, 10))
    assert notes == [  # the photos fail: every request but the page's is refused
        "vk: opened 1 truncated text(s) ('Show more')",
        "vk: loaded 0 of 2 photo(s) in the largest size the page offers",
    ]
    assert "упрощённой процедуре" in text and "Показать полностью" not in text
    assert "Показать следующие комментарии" in text and "Мой сын Артём" not in text
    assert "Показать ещё 1 ответ" in text and "Показать 2 ответа" in text  # no thread opened either


@pytest.mark.slow
@pytest.mark.parametrize(("replies", "asked"), [(3, 0), (4, 1), (9, 1)])
def test_prepare_opens_a_comment_thread_only_while_fewer_replies_than_asked_for_show(
    replies: int, asked: int
) -> None:
    """The page shows three comments and answers, and one collapsed thread of two (every al_wall.php
    request is answered with that thread's answers): it is opened only when more than three are asked for."""
    main = fixture("post-live.html").split('<a class="replies_next replies_next_main"')
    html = main[0] + main[1].split("</a>", 1)[1]  # no "Show next comments": every comment is on the page
    html = html.replace("replies_next replies_next_deep", "replies_next")  # nor a second thread to open
    answer = json.dumps({"payload": [0, [fixture("thread-1242-offset-0.html"), 0]]}, ensure_ascii=False)
    requests: list[str] = []

    def serve(url: str) -> str | None:
        if url.startswith("https://vk.com/al_wall.php"):
            requests.append(url)
            return answer
        return html if url == POST else None

    async def run(page: Any) -> tuple[list[str], str]:
        notes = await select_profile(POST).prepare(page, 10, replies=replies)
        return notes, await page.evaluate("document.body.innerText")

    notes, text = asyncio.run(in_chromium(serve, run, goto=POST))
    assert len(requests) == asked
    opened = "vk: opened 1 comment thread(s) ('Show more replies'); 5 comment(s) and answers shown"
    assert (opened in notes) == bool(asked)
    assert ("Батьки чекають уже рік" in text) == bool(asked)


@pytest.mark.slow
def test_prepare_returns_by_its_deadline_when_the_page_hangs() -> None:
    hanging = fixture("post-live.html").replace(
        "showNextReplies: function (link, postId, event) {", "showNextReplies: function () { while (true) {}"
    )
    notes, _ = asyncio.run(_prepare_in_chromium(hanging, 5, 2.0))
    # The click never came back: the page's thread is stuck, and prepare gave up on it in time.
    assert notes == [
        "vk: opened 1 truncated text(s) ('Show more')",
        "vk: 3 comment(s) shown after 0 click(s) on 'Show next comments' (up to 5 asked for)",
    ]
