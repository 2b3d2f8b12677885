"""The VK profile on look-alike pages (tests/assets/platforms/vk/): which URLs it takes, every field of a
post (on vk.com and on m.vk.com), a wall and a video page, every state VK shows instead of a post, and
hostile markup."""

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
from vestige.archiver.profiles.post import MAX_MEDIA, MAX_MESSAGES, MAX_REPLIES
from vestige.archiver.profiles.readings import unix_time as unix_to_utc
from vestige.archiver.profiles.vk import vk_target
from vestige.archiver.profiles.vk_mobile import mobile_photo_files, src_big
from vestige.archiver.profiles.vk_post import photo_files

ASSETS = Path(__file__).parents[1] / "assets" / "platforms" / "vk"
POST = "https://vk.com/wall-221155555_1234"
WALL = "https://vk.com/detsky_centr_example"
VIDEO = "https://vk.com/video-221155555_456239017"
MOBILE = "https://m.vk.com/wall-221155555_1234"
PHOTO = "https://sun9-74.userapi.com/impg/fixture-photo-{}.jpg?size={}&quality=95&type=album"
SHOWN_ONLY = (
    "posted_at: m.vk.com shows only a local time in words, with no zone and no machine-readable value"
)


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


# ---------------------------------------------------------------- a post on m.vk.com


def test_mobile_post_fields() -> None:
    record = extract(MOBILE, fixture("mobile-post.html"))
    desktop = extract(POST, fixture("post.html"))
    assert (record.platform, record.profile, record.page_state) == ("vk", "vk", "post")
    assert record.post_id == "-221155555_1234" and record.canonical_url == POST
    assert record.author == desktop.author  # the link to the wall's owner: its id from the post's
    assert record.sources["author"] == (
        "a.pi_author (name, href); data-post-click-type=post_owner_link (the wall owner's id)"
    )
    # m.vk.com shows the time only in words: kept as shown, never made a UTC time.
    assert record.posted_at is None and record.posted_at_raw == "5 окт 2023 в 9:12"
    assert f"{SHOWN_ONLY}: '5 окт 2023 в 9:12'" in record.unreadable
    assert record.sources["posted_at"] == "a.PostHeaderTime (text)"
    # The hidden rest of the text is kept, the "Показать полностью…" link is not.
    assert record.text == desktop.text and record.sources["text"] == ".wi_body .pi_text"
    assert record.links == (
        "https://m.vk.com/id555003",
        "https://news.example.org/2023/10/05/kherson",
        "https://m.vk.com/feed?section=search&q=%23%D0%B4%D0%B5%D1%82%D0%B8",
        "https://m.vk.com/feed?section=search&q=%23%D0%A5%D0%B5%D1%80%D1%81%D0%BE%D0%BD",
        "https://vk.com/video-221155555_456239017",
    )
    first, second, video = record.media
    for item, number in ((first, "101"), (second, "102")):  # data-src_big with "|" and with "%7C"
        assert (item.type, item.url, item.width, item.height, item.thumbnail_url) == (
            "image",
            PHOTO.format(number, "1280x853"),
            1280,
            853,
            PHOTO.format(number, "604x403"),
        )
    assert (video.type, video.url, video.duration_s) == ("video", None, 45.0)
    assert (
        video.thumbnail_url
        == "https://sun9-20.userapi.com/impf/fixture-video-017.jpg?size=320x240&quality=96"
    )
    assert (
        "media: a video the post shows as a thumbnail; its file is on its own page"
        " https://vk.com/video-221155555_456239017" in record.unreadable
    )
    assert record.counts == {"views": 12345, "likes": 1200, "shares": 56, "replies": 8} == desktop.counts
    assert record.counts_raw == {
        "views": "12345 просмотров",
        "likes": "1,2K",  # "Оценили 1,2K человек" beside it is no more exact
        "shares": "56 Поделиться",
        "replies": "8 комментариев",
    }
    assert record.sources["counts.views"] == ".wall_item_views[aria-label]"
    assert record.quote_of is None and record.forwarded_from is None and record.reply_to is None
    assert "pinned" not in record.sources


def test_mobile_comments_their_thread_and_a_deleted_one() -> None:
    record = extract(MOBILE, fixture("mobile-post.html"))
    first, second, deleted, third = record.replies
    assert [r.post_id for r in (first, second, third)] == [f"-221155555_{n}" for n in (1240, 1242, 1243)]
    assert first.canonical_url == "https://vk.com/wall-221155555_1234?reply=1240"
    assert first.author is not None and (first.author.display_name, first.author.id) == (
        "Ирина Коваленко",
        "555001",
    )
    assert first.author.profile_url == "https://vk.com/id555001" and first.author.handle is None
    assert first.text == (
        "Откуда именно привезли детей? У моей сестры племянник был в лагере в Скадовске,"
        " связи нет с сентября."
    )
    assert first.posted_at is None and first.posted_at_raw == "5 окт 2023 в 10:12"
    assert f"{SHOWN_ONLY}: '5 окт 2023 в 10:12'" in first.unreadable
    assert first.counts == {"likes": 12}
    assert (
        "replies: more answers are behind VK's link 'Показать ещё 1 ответ' to another page,"
        " which is not followed" in first.unreadable
    )
    # The answer in the div.RepliesThread after the comment, nested under it; its emoji put back as text.
    [answer] = first.replies
    assert answer.post_id == "-221155555_1241"
    assert answer.canonical_url == "https://vk.com/wall-221155555_1234?reply=1241&thread=1240"
    assert answer.author is not None and (answer.author.handle, answer.author.id) == (
        "@detsky_centr_example",
        "-221155555",
    )
    assert answer.text == "Ирина, напишите нам в личные сообщения, уточним по спискам. 🙏"
    assert answer.reply_to is not None and answer.reply_to.url == first.canonical_url
    assert answer.reply_to.name == "Ирина Коваленко" and answer.counts == {} and not answer.replies
    assert second.text == "Это называется депортация." and second.counts == {"likes": 48}
    assert second.author is not None and (second.author.handle, second.author.id) == (
        "@melnik.sergey.example",
        "555002",
    )
    assert (third.author and third.author.display_name, third.counts) == ("Оксана Литвин", {"likes": 31})
    # VK's words for a deleted comment, and nothing else of it.
    assert deleted.page_state == "deleted" and deleted.text is None and deleted.author is None
    assert deleted.unreadable == (
        "text: VK shows 'Комментарий удалён пользователем или руководителем страницы'"
        " in place of the comment",
    )
    # More comments are on another page, behind a link the profile never follows.
    assert (
        "replies: the page shows 4 comment(s) and 1 answer(s); more are behind VK's link 'Показать следующие"
        " комментарии' to the next page of comments (https://m.vk.com/wall-221155555_1234?offset=4#comments),"
        " which is not followed" in record.unreadable
    )


def test_older_mobile_markup() -> None:
    record = extract(MOBILE, fixture("mobile-post-old.html"))
    desktop = extract(POST, fixture("post.html"))
    assert record.post_id == "-221155555_1234" and record.author == desktop.author
    assert record.posted_at is None and record.posted_at_raw == "5 Oct 2023 at 9:12 am"
    assert f"{SHOWN_ONLY}: '5 Oct 2023 at 9:12 am'" in record.unreadable
    assert record.sources["posted_at"] == "a.wi_date (text)"
    assert record.text == desktop.text and "Show more" not in (record.text or "")
    photo, shown_only, video = record.media
    assert (photo.url, photo.width, photo.height) == (PHOTO.format("101", "1280x853"), 1280, 853)
    assert photo.thumbnail_url == PHOTO.format("101", "604x403")
    # Without data-src_big, the picture the page shows, in the size shown.
    assert (shown_only.url, shown_only.width, shown_only.thumbnail_url) == (
        PHOTO.format("102", "604x403"),
        None,
        None,
    )
    assert (video.type, video.url, video.duration_s) == ("video", None, 45.0)
    assert (
        video.thumbnail_url
        == "https://sun9-20.userapi.com/impf/fixture-video-017.jpg?size=320x240&quality=96"
    )
    assert record.counts == {"views": 12345, "likes": 1234, "shares": 56, "replies": 8}
    assert record.counts_raw == {
        "views": "12345 views",
        "likes": "1234 likes",
        "shares": "56 shares",
        "replies": "8 comments",
    }
    assert record.sources["counts.likes"] == ".item_like[aria-label]" and not record.replies


def test_mobile_times_in_words_are_never_made_dates() -> None:
    html = fixture("mobile-post.html").replace("5 окт 2023 в 9:12", "сегодня в 12:44")
    record = extract(MOBILE, html)
    assert record.posted_at is None and record.posted_at_raw == "сегодня в 12:44"
    assert f"{SHOWN_ONLY}: 'сегодня в 12:44'" in record.unreadable
    assert (
        "posted_at: words relative to the day the page was captured (the capture's own time)"
        in record.unreadable
    )
    no_time = extract(MOBILE, fixture("mobile-post.html").replace("5 окт 2023 в 9:12", ""))
    assert no_time.posted_at_raw is None and "posted_at: the block shows no time" in no_time.unreadable


def test_spevktators_mobile_counts_pinned_and_a_repost() -> None:
    """m.vk.com of 2022 (spevktator's saved page): exact counts in "N people reacted" and aria-labels, a
    pinned post; and a repost (danbooru's .wall_item[data-copy]) of a post shown inside it."""
    html = (
        '<div class="wall_item" data-copy="-221177777_8800">'
        '<a class="post__anchor" name="post-221155555_1233"></a><div class="wi_head">'
        '<div class="wi_author"><a class="pi_author" href="/id555001">Ирина Коваленко</a></div>'
        '<div class="wi_info"><a class="wi_date" href="/wall-221155555_1233">yesterday at 9:12 pm</a></div>'
        '</div><div class="wi_body"><div class="wi_explain"><span class="explain">pinned post</span></div>'
        '<div class="wall_item"><a class="post__anchor" name="post-221177777_8800"></a>'
        '<a class="pi_author" href="/primorye_news_example">Новости Приморья (пример)</a>'
        '<div class="pi_text">В Анапу привезли 30 детей.</div>'
        '<div class="wall_item_views" aria-label="5 views"></div></div>'
        '<div class="_PostBottomButtonReactionContainer">'
        '<span class="PostBottomButtonReaction__label">1.7K</span>'
        '<span class="visually-hidden" role="button"></span>'
        '<span class="visually-hidden">1738 people reacted</span></div>'
        '<a class="PostBottomButton" href="/like?act=publish&amp;object=wall-221155555_1233"'
        ' aria-label="2 Share"><span class="PostBottomButton__label">2</span></a>'
        '<span class="wall_item_views" aria-label="262671 views">'
        '<span class="Socials__viewsCount">262K</span></span></div></div>'
    )
    record = extract("https://m.vk.com/wall-221155555_1233", html)
    assert record.post_id == "-221155555_1233" and record.text is None
    assert record.author is not None and (record.author.id, record.author.handle) == ("555001", None)
    assert record.posted_at_raw == "yesterday at 9:12 pm"
    assert (
        "posted_at: words relative to the day the page was captured (the capture's own time)"
        in record.unreadable
    )
    assert record.counts == {"views": 262671, "likes": 1738, "shares": 2}  # not the reposted post's 5 views
    assert record.counts_raw["likes"] == "1738 people reacted" and "pinned" in record.sources
    assert record.forwarded_from is not None and record.quote_of is None
    assert record.forwarded_from.url == "https://vk.com/wall-221177777_8800"
    assert record.forwarded_from.name == "Новости Приморья (пример)"
    assert record.forwarded_from.text == "В Анапу привезли 30 детей."


def test_mobile_answers_find_their_comment_by_their_date_link_the_threads_id_or_its_place() -> None:
    post = '<div class="wall_item" id="wall-1_2"></div><div id="wall-1_2_replies">{}</div>'
    html = post.format(
        _comment(3)
        + _comment(4)
        + '<div class="RepliesThread" id="RepliesThread3">'  # after 4, but its id names 3
        + _comment(5)
        + '</div><div class="RepliesThread">'  # after another thread: the answer's thread= names 4
        + _comment(6, thread=4)
        + '</div><div class="RepliesThread">'  # the comment it answers is not on the page
        + _comment(7, thread=99)
        + "</div>"
        + _comment(8)
        + '<div class="RepliesThread">'  # nothing names the comment: the one before it
        + _comment(9)
        + "</div>"
    )
    record = extract("https://m.vk.com/wall-1_2", html)
    assert [r.post_id for r in record.replies] == ["-1_3", "-1_4", "-1_7", "-1_8"]
    first, second, orphan, last = record.replies
    assert [[a.post_id for a in r.replies] for r in (first, second, last)] == [["-1_5"], ["-1_6"], ["-1_9"]]
    assert first.replies[0].reply_to is not None and first.replies[0].reply_to.url == first.canonical_url
    assert orphan.reply_to is not None and orphan.reply_to.url == "https://vk.com/wall-1_2?reply=99"
    assert orphan.sources["reply_to"] == "a.item_date[href] (thread=)" and not orphan.replies


def test_mobile_author_linked_to_the_login_page() -> None:
    # Some m.vk.com pages send a visitor's clicks on people to /login.php: the avatar's label names the page.
    html = fixture("mobile-post.html").replace('href="/detsky_centr_example?from=group"', 'href="/login.php"')
    html = html.replace('href="/melnik.sergey.example"', 'href="/login.php"')
    record = extract(MOBILE, html)
    assert record.author is not None and (
        record.author.handle,
        record.author.id,
        record.author.profile_url,
    ) == (
        "@detsky_centr_example",
        "-221155555",
        "https://vk.com/detsky_centr_example",
    )
    assert ".wi_head .Avatar[aria-label] (the short name)" in record.sources["author"]
    second = record.replies[1].author
    assert second is not None and (second.display_name, second.handle, second.id, second.profile_url) == (
        "Сергей Мельник",
        None,
        "555002",  # from Replies.replyTo(...)
        None,
    )


def test_desktop_markup_is_read_by_the_desktop_reader() -> None:
    # m.vk.com serving (or a capture saving) the desktop markup: the desktop reader, Unix time and all.
    record = extract(MOBILE, fixture("post.html"))
    assert record.posted_at == "2023-10-05T06:12:40Z" and record.sources["posted_at"] == ".rel_date[time]"
    assert [r.post_id for r in record.replies] == ["-221155555_1240", "-221155555_1242"]
    # Both markups on one page: the desktop one is read.
    both = fixture("post.html").replace("</body>", fixture("mobile-post.html").split("<body", 1)[1])
    record = extract(POST, both)
    assert record.posted_at == "2023-10-05T06:12:40Z" and len(record.replies) == 2
    assert not any("m.vk.com" in n for n in record.unreadable)


def test_mobile_page_without_the_post_and_a_mobile_wall() -> None:
    missing = extract("https://m.vk.com/wall-221155555_999", fixture("mobile-post.html"))
    assert missing.page_state == "not_found" and missing.post_id == "-221155555_999"
    assert "post: the page shows 1 other post(s), not -221155555_999" in missing.unreadable
    wall = extract("https://m.vk.com/detsky_centr_example", fixture("mobile-post.html"))
    assert wall.page_state == "unknown" and not wall.complete
    assert "page: an m.vk.com wall (1 post(s)): only m.vk.com post pages are read" in wall.unreadable
    assert "page: capture https://vk.com/detsky_centr_example for the wall" in wall.unreadable


@pytest.mark.parametrize(
    ("value", "read"),
    [
        (
            "https://sun9-1.userapi.com/a.jpg?size=453x604&type=album|453|604",
            ("https://sun9-1.userapi.com/a.jpg?size=453x604&type=album", 453, 604),
        ),
        (
            "https://sun9-1.userapi.com/a.jpg?type=album%7C453%7C604",
            ("https://sun9-1.userapi.com/a.jpg?type=album", 453, 604),
        ),
        ("https://sun9-1.userapi.com/a.jpg?x=%7Cy", ("https://sun9-1.userapi.com/a.jpg?x=%7Cy", None, None)),
        ("https://sun9-1.userapi.com/a.jpg|wide|0", ("https://sun9-1.userapi.com/a.jpg", None, None)),
        ("https://sun9-1.userapi.com/a.jpg", ("https://sun9-1.userapi.com/a.jpg", None, None)),
        ("|1|2", (None, 1, 2)),
        ("", (None, None, None)),
        (None, (None, None, None)),
    ],
)
def test_mobile_photo_sizes(value: str | None, read: tuple[str | None, int | None, int | None]) -> None:
    assert src_big(value) == read


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


def test_mobile_photo_files_for_prepare_stay_on_vk_hosts() -> None:
    html = fixture("mobile-post.html").replace(
        'data-src_big="https://sun9-74.userapi.com', 'data-src_big="https://evil.example.org', 1
    )
    assert mobile_photo_files(html, MOBILE) == [PHOTO.format("102", "1280x853")]
    assert mobile_photo_files(fixture("mobile-post.html"), MOBILE) == [
        PHOTO.format("101", "1280x853"),
        PHOTO.format("102", "1280x853"),
    ]
    assert mobile_photo_files(fixture("mobile-post-old.html"), MOBILE) == [PHOTO.format("101", "1280x853")]


def _comment(number: int, body: str = "", thread: int | None = None) -> str:
    link = f"/wall-1_2?reply={number}" + (f"&amp;thread={thread}" if thread else "")
    return (
        f'<div class="ReplyItem" id="wall_reply-1_{number}">'
        f'<div class="ReplyItem__body">{body or number}</div>'
        f'<div class="ReplyItem__date"><a class="item_date" href="{link}">today at 5:00 pm</a></div></div>'
    )


def test_hostile_mobile_posts_are_read_and_bounded() -> None:
    post = '<div class="wall_item" id="wall-1_2"><div class="pi_text">{}</div></div>'
    deep = post.format(
        "<div>" * 50_000 + "глубоко\x00" + "</div>" * 50_000 + '<a class="PostTextMore">ещё</a>'
    )
    record = extract("https://m.vk.com/wall-1_2", deep)
    assert record.text == "глубоко" and any("flattened" in n for n in record.unreadable)
    # Thousands of comments, and thousands of answers in one thread: MAX_REPLIES of each are kept.
    many = "".join(_comment(n) for n in range(3, 3 + 3000))
    answers = "".join(_comment(n, thread=3) for n in range(10_000, 10_000 + 1500))
    html = post.format("x") + f'<div id="wall-1_2_replies">{many[: many.index("</div></div>") + 12]}'
    html += f'<div class="RepliesThread">{answers}</div>{many[many.index("</div></div>") + 12 :]}</div>'
    record = extract("https://m.vk.com/wall-1_2", html)
    assert len(record.replies) == MAX_REPLIES and len(record.replies[0].replies) == MAX_REPLIES
    assert record.replies[0].replies[0].reply_to is not None
    assert "replies: the page has 4500 comments and answers; the first 2000 were read" in record.unreadable
    assert f"replies: the page shows 500; the first {MAX_REPLIES} are kept" in record.unreadable
    assert f"replies: the page shows 1500; the first {MAX_REPLIES} are kept" in record.replies[0].unreadable
    # Comments nested in comments, threads in threads, 400 deep: no deeper than the record allows.
    nested = "".join(f'<div class="RepliesThread">{_comment(n)}' for n in range(3, 403)) + "</div>" * 400
    record = extract(
        "https://m.vk.com/wall-1_2",
        post.format("x") + f'<div id="wall-1_2_replies">{_comment(2)}{nested}</div>',
    )
    assert len(record.replies) <= MAX_REPLIES and all(
        not a.replies for r in record.replies for a in r.replies
    )
    # Thousands of posts, photos, a photo's data half a megabyte long.
    photos = "".join(
        f'<div class="thumb_map_img" data-src_big="https://sun9-1.userapi.com/{n}.jpg|604|403"></div>'
        for n in range(3000)
    )
    huge = (
        '<a class="MediaGrid__interactive" data-src_big="https://sun9-1.userapi.com/'
        + "ж" * 500_000
        + '|1|1"></a>'
    )
    posts = "".join(f'<div class="wall_item" id="wall-1_{n}"></div>' for n in range(3, 3000))
    record = extract("https://m.vk.com/wall-1_2", post.format(huge + photos) + posts)
    assert record.post_id == "-1_2" and len(record.media) == MAX_MEDIA
    assert len(mobile_photo_files(post.format(photos), "https://m.vk.com/wall-1_2")) == 50


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
        '<div class="wall_item" id="wall-1_2">',
        '<a class="post__anchor" name="post-221155555_1234">',
        '<div class="pi_text">',
        '<a class="PostTextMore" href="/wall-1_2">',
        '<a class="MediaGrid__interactive" data-src_big="',
        '<a href="/video-1_2" style="background-image: url(',
        '<span class="wall_item_views" aria-label="',
        '<div id="wall-1_2_replies">',
        '<div class="ReplyItem" id="wall_reply-1_',
        '<div class="ReplyItem ReplyItem_deleted">',
        '<div class="RepliesThread" id="RepliesThread',
        '<a class="item_date" href="/wall-1_2?reply=3&amp;thread=',
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
    for url in (POST, WALL, VIDEO, "https://vk.com/wall-1_2", MOBILE, "https://m.vk.com/wall-1_2"):
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


@pytest.mark.slow
def test_prepare_on_m_vk_com_opens_the_text_in_place_and_follows_no_link() -> None:
    """The mobile "Показать полностью…" links to the post itself and opens the text in place; the links to
    more comments and answers lead to other pages and are never clicked."""
    requests: list[str] = []

    def serve(url: str) -> str | None:
        requests.append(url)
        return fixture("mobile-post.html") if url == MOBILE else None

    async def run(page: Any) -> tuple[list[str], str, str]:
        notes = await select_profile(MOBILE).prepare(page, 10, replies=20)
        return notes, await page.evaluate("document.body.innerText"), page.url

    notes, text, at = asyncio.run(in_chromium(serve, run, goto=MOBILE))
    assert notes == [  # the photos fail: every request but the page's is refused
        "vk: opened 1 truncated text(s) ('Show more')",
        "vk: m.vk.com: the comments are those the page shows; VK's links to more of them open other pages and"
        " are not followed",
        "vk: loaded 0 of 2 photo(s) in the largest size the page offers",
    ]
    assert "упрощённой процедуре" in text and "Показать полностью" not in text and at == MOBILE
    assert requests.count(MOBILE) == 1 and not any("offset=" in u for u in requests)
    assert "Показать ещё 1 ответ" in text and "Показать следующие комментарии" in text
