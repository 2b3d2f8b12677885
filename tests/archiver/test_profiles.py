"""Platform profiles: post records read from platform look-alike pages (tests/assets/platforms/), values as
pages show them, hostile markup, profile routing, the record's JSON, and ``prepare`` in a real Chromium."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.chromium import HANG, Hang, in_chromium
from vestige.archiver.profiles import PROFILE_NAMES, PostRecord, select_profile
from vestige.archiver.profiles.draft import PostDraft
from vestige.archiver.profiles.post import MAX_MEDIA, MAX_MESSAGES, MAX_TEXT, Author, Media, Place
from vestige.archiver.profiles.values import parse_count, parse_duration, to_utc
from vestige.errors import FormatError, InputError

ASSETS = Path(__file__).parents[1] / "assets" / "platforms"
CHANNEL = "https://t.me/s/detsky_centr_example"
POST = "https://t.me/detsky_centr_example/2481"
EMBED = f"{POST}?embed=1&mode=tme"
ARTICLE = "https://news.example.org/2023/10/06/vyvezeni-dity"


def fixture(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def extract(url: str, name: str, **kwargs: Any) -> PostRecord:
    record = select_profile(url).extract(url, fixture(name), **kwargs)
    assert record is not None
    return record


def by_id(record: PostRecord) -> dict[str, PostRecord]:
    return {m.post_id: m for m in record.messages if m.post_id}


# ---------------------------------------------------------------- values as pages show them


@pytest.mark.parametrize(
    ("shown", "value"),
    [
        ("12", 12),
        ("987", 987),
        ("0", 0),
        ("1.2K", 1200),
        ("12.4K", 12400),
        ("436.6K", 436600),
        ("1.1M", 1_100_000),
        ("1,2K", 1200),
        ("3,4 тыс.", 3400),
        ("3,4 тис.", 3400),
        ("2 млн", 2_000_000),
        ("1.2B", 1_200_000_000),
        ("10 518 subscribers", 10518),
        ("10\u00a0518", 10518),
        ("15 848 members, 3 465 online", 15848),
        ("1,234", 1234),
        ("1.5", None),
        ("1.2.3K", None),
        ("views", None),
        ("", None),
        (None, None),
    ],
)
def test_counts_as_shown(shown: str | None, value: int | None) -> None:
    assert parse_count(shown) == value


@pytest.mark.parametrize(
    ("declared", "utc"),
    [
        ("2023-10-05T06:12:40+00:00", "2023-10-05T06:12:40Z"),
        ("2023-10-06T09:30:00+03:00", "2023-10-06T06:30:00Z"),
        ("2023-10-06T09:30:00+0300", "2023-10-06T06:30:00Z"),
        ("2023-10-06T06:30:00.250Z", "2023-10-06T06:30:00.250000Z"),
        ("2023-10-08 14:00", None),  # no UTC offset: not guessed
        ("2023-10-08", None),
        ("yesterday", None),
    ],
)
def test_times_normalised_to_utc_never_guessed(declared: str, utc: str | None) -> None:
    value, why = to_utc(declared)
    assert value == utc
    assert (why is None) == (utc is not None)


def test_durations() -> None:
    assert parse_duration("0:45") == 45.0
    assert parse_duration("12:31") == 751.0
    assert parse_duration("1:02:03") == 3723.0
    assert parse_duration("PT2M15S") == 135.0
    assert parse_duration("soon") is None


# ---------------------------------------------------------------- Telegram


def test_telegram_channel_listing() -> None:
    record = extract(CHANNEL, "telegram/channel.html")
    assert record.platform == "telegram" and record.profile == "telegram"
    assert record.page_state == "channel" and record.complete
    assert record.author == Author(
        "Детский центр «Пример»", "@detsky_centr_example", None, "https://t.me/detsky_centr_example"
    )
    assert record.title == "Детский центр «Пример»"
    assert (
        record.text
        == "Официальный канал краевого детского центра.\nНовости об оздоровлении и размещении детей."
    )
    assert record.canonical_url == CHANNEL
    assert record.counts == {"subscribers": 8900, "photos": 1200, "videos": 312, "links": 45}
    assert record.counts_raw["subscribers"] == "8.9K"
    assert record.post_id is None and record.posted_at is None
    assert [m.post_id for m in record.messages] == ["2478", "2479", "2480", "2481", "2484", "2485"]
    assert all(m.page_state == "post" and m.author == record.author for m in record.messages)
    assert not record.unreadable


def test_telegram_message_fields() -> None:
    messages = by_id(extract(CHANNEL, "telegram/channel.html"))

    first = messages["2478"]
    assert first.canonical_url == "https://t.me/detsky_centr_example/2478"
    assert first.posted_at == "2023-10-02T15:03:11Z" and first.posted_at_raw == "2023-10-02T15:03:11+00:00"
    assert first.text is not None and first.text.startswith("Сегодня состоялась встреча")
    assert first.counts == {"views": 8100, "reactions": 151}
    assert first.counts_raw == {"views": "8.1K", "reactions": "👍 120 · 🔥 31"}
    assert first.edited is False and first.reply_to is None and first.forwarded_from is None

    forwarded = messages["2479"]
    assert forwarded.forwarded_from is not None
    assert forwarded.forwarded_from.url == "https://t.me/povernennia_example/311"
    assert forwarded.forwarded_from.name == "Повернення дітей (приклад)"
    assert forwarded.text is not None and "Батьки з Олешок шукають дітей" in forwarded.text
    assert "\n\nЯкщо ви бачили" in forwarded.text  # <br><br> kept as a blank line
    assert forwarded.links == ("https://t.me/povernennia_bot_example",)

    reply = messages["2480"]
    assert reply.reply_to is not None and reply.reply_to.url == "https://t.me/detsky_centr_example/2478"
    assert reply.reply_to.text is not None and reply.reply_to.text.startswith("Сегодня состоялась")
    assert (
        reply.text == "Уточнение: список детей будет опубликован после проверки документов."
    )  # not the quote
    assert reply.edited is True and reply.edited_at is None
    assert any(n.startswith("edited_at: Telegram marks the message as edited") for n in reply.unreadable)

    album = messages["2481"]
    assert [m.url for m in album.media] == [
        "https://cdn4.telesco.pe/file/fixture-photo-2481-arrival.jpg",
        "https://cdn4.telesco.pe/file/fixture-photo-2482-bus.jpg",
    ]
    assert {m.type for m in album.media} == {"image"}
    assert album.counts == {"views": 12400}
    assert album.text is not None and album.text.count("Сегодня в наш центр") == 1  # nested caption read once
    assert album.links[0] == "https://example.org/news/2481"

    too_big = messages["2484"]
    assert too_big.counts == {"views": 1_100_000}
    assert too_big.media == (
        Media(None, "video", None, None, 751.0, "https://cdn4.telesco.pe/file/fixture-thumb-2484.jpg"),
    )
    assert any("Media is too big" in n for n in too_big.unreadable)

    video = messages["2485"]
    assert video.media == (
        Media(
            "https://cdn4.telesco.pe/file/fixture-video-2485.mp4?token=FIXTURE",
            "video",
            None,
            None,
            45.0,
            "https://cdn4.telesco.pe/file/fixture-thumb-2485.jpg",
        ),
    )
    assert video.counts == {"views": 987}


def test_telegram_post_embed() -> None:
    record = extract(EMBED, "telegram/post.html")
    assert record.page_state == "post"
    assert record.post_id == "2481" and record.canonical_url == POST
    assert record.author is not None and record.author.handle == "@detsky_centr_example"
    assert record.author.display_name == "Детский центр «Пример»"
    assert record.posted_at == "2023-10-05T06:12:40Z" and record.posted_at_raw == "2023-10-05T06:12:40+00:00"
    assert record.edited is True
    assert record.text is not None
    assert record.text.startswith("Сегодня в наш центр прибыли 23 ребёнка из Херсонской области.")
    assert record.text.endswith("Подробнее на сайте: example.org/news/2481 #оздоровление")
    assert len(record.media) == 2 and record.counts_raw == {"views": "12.4K"}
    assert record.sources["posted_at"] == ".tgme_widget_message_date time[datetime]"
    listed = by_id(extract(CHANNEL, "telegram/channel.html"))["2481"]
    same = ("post_id", "author", "posted_at", "text", "media", "counts", "edited")
    assert all(getattr(record, f) == getattr(listed, f) for f in same)


def test_telegram_post_page_reads_its_frame() -> None:
    with_frame = extract(POST, "telegram/post-page.html", frames=[(EMBED, fixture("telegram/post.html"))])
    assert with_frame.page_state == "post" and with_frame.post_id == "2481"
    assert with_frame.sources["frame"] == EMBED
    alone = extract(POST, "telegram/post-page.html")
    assert alone.page_state == "unknown" and not alone.complete
    assert alone.post_id == "2481" and alone.canonical_url == POST
    assert alone.text is not None and alone.text.startswith("Сегодня в наш центр")
    assert alone.sources["text"].startswith('meta property="og:description"')
    assert any("embed frame" in n for n in alone.unreadable)


def test_telegram_listing_around_a_message() -> None:
    record = extract(f"{CHANNEL}/2481", "telegram/channel.html")
    assert record.page_state == "post" and record.post_id == "2481"
    assert len(record.messages) == 6
    album_item = extract(f"{CHANNEL}/2482", "telegram/channel.html")  # the album's second photo
    assert album_item.post_id == "2481"
    gap = extract(f"{CHANNEL}/2483", "telegram/channel.html")
    assert gap.page_state == "not_found" and gap.post_id == "2483" and gap.text is None
    assert gap.canonical_url == "https://t.me/detsky_centr_example/2483"
    assert any("before and after it" in n for n in gap.unreadable)
    later = extract(f"{CHANNEL}/9999", "telegram/channel.html")
    assert later.page_state == "not_found" and any("outside the messages" in n for n in later.unreadable)


def test_telegram_deleted_and_missing() -> None:
    gone = extract("https://t.me/detsky_centr_example/2483?embed=1&mode=tme", "telegram/deleted.html")
    assert gone.page_state == "deleted" and not gone.complete
    assert gone.post_id == "2483" and gone.text is None and gone.media == ()
    assert any("'Post not found'" in n for n in gone.unreadable)
    missing = extract("https://t.me/s/no_such_channel_example", "telegram/missing-channel.html")
    assert missing.page_state == "not_found"
    assert any("no channel, group or user named @no_such_channel_example" in n for n in missing.unreadable)


def test_telegram_channel_card_private_and_rate_limited() -> None:
    card = fixture("telegram/missing-channel.html").replace(
        '<div class="tgme_page_description">',
        '<div class="tgme_page_title"><span dir="auto">Детский центр «Пример»</span></div>'
        '<div class="tgme_page_extra">8 912 subscribers</div><div class="tgme_page_description">',
    )
    profile = select_profile("https://t.me/detsky_centr_example")
    record = profile.extract("https://t.me/detsky_centr_example", card)
    assert record is not None and record.page_state == "channel"
    assert record.counts == {"subscribers": 8912}
    private = profile.extract("https://t.me/c/1999000001/77", "<html><body>Open in app</body></html>")
    assert private is not None and private.page_state == "login_wall" and private.post_id == "77"
    limited = profile.extract(CHANNEL, "<html><body><h1>Too Many Requests</h1></body></html>")
    assert limited is not None and limited.page_state == "rate_limited"


# ---------------------------------------------------------------- generic


def test_generic_jsonld_takes_precedence_over_open_graph() -> None:
    record = extract(ARTICLE, "generic/article-jsonld.html")
    assert record.profile == "generic" and record.platform == "news.example.org"
    assert record.page_state == "post"
    assert record.title == "Вивезені діти: нові свідчення батьків з Херсонщини"  # not og:title
    assert record.canonical_url == ARTICLE  # JSON-LD url, not og:url
    assert record.text is not None and record.text.endswith("23 дитини досі не повернулися додому.")
    assert record.posted_at == "2023-10-06T06:30:00Z" and record.posted_at_raw == "2023-10-06T09:30:00+03:00"
    assert record.edited_at == "2023-10-06T09:05:00Z"
    assert record.language == "uk" and record.post_id == "article-20231006-17"
    assert record.author == Author(  # an @id reference into the @graph
        "Олена Коваленко",
        "@o_kovalenko_example",
        "staff-0042",
        "https://news.example.org/authors/o-kovalenko",
    )
    assert record.counts == {"shares": 1200, "replies": 14}
    video, *images = record.media
    assert video == Media(
        "https://news.example.org/media/2023/10/testimony.mp4",
        "video",
        1920,
        1080,
        135.0,
        "https://news.example.org/media/2023/10/testimony.jpg",
    )
    assert [(m.url, m.width) for m in images] == [
        ("https://news.example.org/media/2023/10/bus-1200.jpg", 1200),  # once, with JSON-LD's sizes
        ("https://news.example.org/media/2023/10/camp-1200.jpg", None),  # from og:image
    ]
    assert [r.text for r in record.replies] == ["Моя сестра теж шукає сина. Дякую за статтю."]
    assert record.replies[0].posted_at == "2023-10-06T07:01:00Z"
    assert record.discovery == {
        "activitystreams": "https://news.example.org/ap/articles/17",
        "oembed": "https://news.example.org/oembed?url=https%3A%2F%2Fnews.example.org%2F2023%2F10%2F06%2F"
        "vyvezeni-dity&format=json",
        "oembed_xml": "https://news.example.org/oembed?url=https%3A%2F%2Fnews.example.org%2F2023%2F10%2F06%2F"
        "vyvezeni-dity&format=xml",
        "player": "https://news.example.org/embed/testimony",
    }
    assert record.sources["title"] == "json-ld NewsArticle.headline/name"
    assert record.sources["posted_at"] == "json-ld NewsArticle.datePublished"


def test_generic_open_graph_only() -> None:
    record = extract("https://video.example.net/v/8841", "generic/og-only.html")
    assert record.page_state == "unknown"  # nothing on the page says what it is
    assert record.title == "Автобусы с детьми прибыли в лагерь «Берёзка»"
    assert record.text == "Репортаж о прибытии детей из Херсонской области в лагерь на Кубани."
    assert record.canonical_url == "https://video.example.net/v/8841"
    assert record.posted_at == "2023-10-07T18:15:00Z" and record.language == "ru-RU"
    assert record.author is not None and record.author.handle == "@kuban_reporter_example"
    assert [(m.type, m.url, m.width, m.height) for m in record.media] == [
        ("image", "https://video.example.net/thumbs/8841.jpg", 1280, 720),
        ("video", "https://video.example.net/files/8841.mp4", 1280, 720),  # og:video:secure_url
    ]
    assert record.discovery == {"player": "https://video.example.net/embed/8841"}


def test_generic_broken_markup_and_jsonld() -> None:
    record = extract("https://forum.example.com/forum/t/5120", "generic/broken.html")
    assert record.page_state == "post" and record.title == "Де шукати дітей, вивезених з Олешок?"
    assert (
        record.text == "Шукаю інформацію про табір «Берёзка». <script>alert(1)</script> Дякую!"
    )  # data, kept
    assert record.author is not None and record.author.display_name == "Ганна П."  # control character gone
    assert record.author.profile_url == "https://forum.example.com/u/hanna_p"
    assert record.posted_at is None and record.posted_at_raw == "2023-10-08 14:00"  # not the h-entry time
    assert record.counts == {"likes": 3400} and record.counts_raw == {"likes": "3,4 тыс."}
    assert [m.url for m in record.media] == ["https://forum.example.com/uploads/camp.jpg"]  # from the h-entry
    assert any(n.startswith("json-ld: script 2 is not valid JSON") for n in record.unreadable)
    assert "posted_at: a time without a UTC offset: '2023-10-08 14:00'" in record.unreadable


def test_generic_page_that_declares_nothing() -> None:
    html = "<html><head><title>Just a page</title></head><body><p>text</p></body></html>"
    assert select_profile("https://example.org/").extract("https://example.org/", html) is None


# ---------------------------------------------------------------- hostile pages


def timed(url: str, html: str) -> tuple[PostRecord | None, float]:
    started = time.monotonic()
    record = select_profile(url).extract(url, html)
    return record, time.monotonic() - started


def test_deep_nesting_is_flattened_in_bounded_time() -> None:
    depth = 100_000
    html = (
        '<div class="tgme_widget_message" data-post="x_channel/1"><div class="tgme_widget_message_text">'
        + "<div>" * depth
        + "глибоко"
        + "</div>" * depth
        + "</div></div>"
    )
    record, seconds = timed("https://t.me/s/x_channel", html)
    assert record is not None and record.text == "глибоко"
    assert any("flattened" in n for n in record.unreadable)
    assert seconds < 10  # unflattened, Lexbor takes minutes on this


def test_huge_page_is_read_up_to_the_cap() -> None:
    head = '<meta property="og:title" content="big"><p>'
    html = head + ("a" * 999 + "\n") * 30_000
    html = html[:30_000_000]  # 30 MB
    record, seconds = timed("https://example.org/", html)
    assert record is not None and record.title == "big"
    assert any("only the first 20,000,000 of 30,000,000 characters" in n for n in record.unreadable)
    assert seconds < 10


def test_long_text_many_messages_and_many_media_are_bounded() -> None:
    photos = "".join(
        f'<a class="tgme_widget_message_photo_wrap" style="background-image:url(\'https://c.example/{i}.jpg\')"></a>'
        for i in range(MAX_MEDIA + 50)
    )
    long_text = f'<div class="tgme_widget_message_text">{"ж" * (MAX_TEXT + 10)}</div>'
    one = f'<div class="tgme_widget_message" data-post="x_channel/1">{photos}{long_text}</div>'
    many = "".join(
        f'<div class="tgme_widget_message" data-post="x_channel/{i}"></div>' for i in range(2, 5000)
    )
    record, _ = timed(
        "https://t.me/s/x_channel", f'<section class="tgme_channel_history">{one}{many}</section>'
    )
    assert record is not None and len(record.messages) == MAX_MESSAGES
    assert record.messages[-1].post_id == "4999"
    assert any("the page lists 4999" in n for n in record.unreadable)
    single, _ = timed("https://t.me/x_channel/1?embed=1", one)
    assert single is not None and single.text is not None and len(single.text) == MAX_TEXT
    assert len(single.media) == MAX_MEDIA
    assert "text: cut at 200,000 characters" in single.unreadable


def test_scripts_and_control_characters_in_text() -> None:
    html = (
        '<div class="tgme_widget_message" data-post="x_channel/7"><div class="tgme_widget_message_text">'
        "до &lt;script&gt;alert(1)&lt;/script&gt;<script>document.title='pwned'</script><style>p{}</style>"
        "після\x00\x07\x1b[31m</div></div>"
    )
    record, _ = timed("https://t.me/x_channel/7?embed=1", html)
    assert record is not None and record.text == "до <script>alert(1)</script>після[31m"


def test_text_is_trimmed_after_control_characters_go() -> None:
    draft = PostDraft("x", "generic", 1)
    assert draft.set_text("\x07 первый\nвторой \n\x1b", "test") and draft.text == "первый\nвторой"
    assert not draft.set_text("\x00\x07 \n", "test")  # nothing left: not set
    assert draft.text == "первый\nвторой"


def test_digits_int_refuses_are_not_taken_for_numbers() -> None:
    """ "²" and "①" are digits to str.isdigit but not to int(): a page holding them must not break reading."""
    from vestige.archiver.profiles import embedded_json, instagram_data, readings, values

    assert values.is_digits("2024") and not values.is_digits("²") and not values.is_digits("①")
    assert embedded_json.as_int("²") is None and instagram_data.number("①") is None
    assert readings.unix_time("1696486360" + " " * 40 + "x") is None
    assert readings.unix_time(" 1696486360 ") == "2023-10-05T06:12:40Z"
    versions = instagram_data._versions([{"url": "https://scontent.cdninstagram.com/a.jpg", "width": -5}])
    assert versions == [("https://scontent.cdninstagram.com/a.jpg", None, None)]


def test_hostile_jsonld() -> None:
    deep = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
    record, _ = timed("https://example.org/", deep + '<meta property="og:title" content="t">')
    assert record is not None and any("nested too deeply" in n for n in record.unreadable)
    big = (
        '<script type="application/ld+json">{"@type":"Article","articleBody":"'
        + "б" * 6_000_000
        + '"}</script>'
    )
    record, _ = timed("https://example.org/", big)
    assert record is not None and any("larger than" in n for n in record.unreadable)
    cyclic = (
        '<script type="application/ld+json">{"@graph":[{"@id":"#a","@type":"SocialMediaPosting",'
        '"author":{"@id":"#b"},"text":"x"},{"@id":"#b","@type":"Person","name":"B","knows":{"@id":"#a"}}]}'
        "</script>"
    )
    record, _ = timed("https://example.org/", cyclic)
    assert record is not None and record.author is not None and record.author.display_name == "B"


_FRAGMENTS = st.sampled_from(
    [
        '<div class="tgme_widget_message" data-post="x_channel/1">',
        '<div class="tgme_widget_message_text">',
        '<a class="tgme_widget_message_photo_wrap" style="background-image:url(\'',
        '<time datetime="',
        '<span class="tgme_widget_message_views">',
        '<div class="tgme_channel_info">',
        '<a class="tgme_widget_message_reply" href="',
        '<div class="tgme_widget_message_error">',
        '<script type="application/ld+json">{"@type":"SocialMediaPosting","text":"',
        '<meta property="og:image" content="',
        '<div class="h-entry"><time class="dt-published" datetime="',
        "</div>",
        "</script>",
        '">',
        "<br>",
        "<!--",
        "\x00",
        "\ud800",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=40)), max_size=40))
def test_arbitrary_markup_never_breaks_extraction(parts: list[str]) -> None:
    html = "".join(parts)
    for url in ("https://t.me/s/x_channel/1", "https://t.me/x_channel/1", "https://example.org/p"):
        record = select_profile(url).extract(url, html, frames=[("https://t.me/x_channel/1?embed=1", html)])
        if record is not None:
            text = json.dumps(record.to_json(), ensure_ascii=False)
            text.encode("utf-8")  # no lone surrogates left
            assert PostRecord.from_json(json.loads(text)) == record


# ---------------------------------------------------------------- routing


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://t.me/s/detsky_centr_example", "telegram"),
        ("https://t.me/s/detsky_centr_example/2481", "telegram"),
        ("https://t.me/detsky_centr_example/2481", "telegram"),
        ("https://t.me/detsky_centr_example/2481?embed=1&mode=tme", "telegram"),
        ("https://t.me/detsky_centr_example", "telegram"),
        ("http://telegram.me/detsky_centr_example/5", "telegram"),
        ("https://t.me/c/1999000001/77", "telegram"),
        ("https://t.me/joinchat/AAAAAE", "generic"),
        ("https://t.me/+AbCdEf", "generic"),
        ("https://t.me/addstickers/Pack", "generic"),
        ("https://t.me/detsky_centr_example/notanid", "generic"),
        ("https://t.me.example.org/s/channel", "generic"),
        ("https://example.org/t.me/s/channel", "generic"),
        (ARTICLE, "generic"),
        ("not a url", "generic"),
    ],
)
def test_profile_routing(url: str, name: str) -> None:
    assert select_profile(url, None).name == name


def test_forced_profiles() -> None:
    assert select_profile(ARTICLE, "telegram").name == "telegram"
    assert select_profile(CHANNEL, "generic").name == "generic"
    assert select_profile(CHANNEL, " Generic ").name == "generic"
    assert {"generic", "telegram"} <= set(PROFILE_NAMES)
    assert all(select_profile(ARTICLE, name).name == name for name in PROFILE_NAMES)
    with pytest.raises(InputError) as caught:
        select_profile(CHANNEL, "myspace")
    assert "unknown profile 'myspace'" in caught.value.diagnostics()
    assert ", ".join(PROFILE_NAMES) in caught.value.diagnostics()


# ---------------------------------------------------------------- the record's JSON


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (CHANNEL, "telegram/channel.html"),
        (f"{CHANNEL}/2483", "telegram/channel.html"),
        (EMBED, "telegram/post.html"),
        ("https://t.me/detsky_centr_example/2483?embed=1", "telegram/deleted.html"),
        (ARTICLE, "generic/article-jsonld.html"),
        ("https://video.example.net/v/8841", "generic/og-only.html"),
        ("https://forum.example.com/forum/t/5120", "generic/broken.html"),
    ],
)
def test_json_round_trip(url: str, name: str) -> None:
    record = extract(url, name)
    text = json.dumps(record.to_json(), ensure_ascii=False)
    again = PostRecord.from_json(json.loads(text))
    assert again == record
    assert json.dumps(again.to_json(), ensure_ascii=False) == text  # same bytes, same key order
    assert list(record.to_json()) == [f.name for f in dataclasses.fields(PostRecord)]


def test_a_record_with_a_place_round_trips_and_one_written_before_places_still_reads() -> None:
    record = dataclasses.replace(extract(EMBED, "telegram/post.html"), place=Place("Генічеськ", country="UA"))
    assert PostRecord.from_json(json.loads(json.dumps(record.to_json()))) == record
    older = {k: v for k, v in record.to_json().items() if k != "place"}  # a record from before the field
    assert PostRecord.from_json(older) == dataclasses.replace(record, place=None)


def test_counts_keep_a_stable_order() -> None:
    record = PostRecord(
        "x", "post", "generic", 1, counts={"replies": 1, "likes": 2, "zeta": 3, "views": 4, "alpha": None}
    )
    assert list(record.to_json()["counts"]) == ["views", "likes", "replies", "alpha", "zeta"]


@pytest.mark.parametrize(
    "change",
    [
        {"page_state": "vanished"},
        {"version": 99},
        {"posted_at": "2023-10-05 06:12"},
        {"text": "bell\x07"},
        {"unexpected": 1},
        {"media": [{"url": "u", "type": "hologram"}]},
        {"counts": {"views": -1}},
        {"messages": "none"},
        {"place": {"country": "Ukraine"}},
        {"place": {}},
        {"place": {"name": "x", "altitude": 3}},
    ],
)
def test_malformed_records_are_format_errors(change: dict[str, Any]) -> None:
    data = {**extract(EMBED, "telegram/post.html").to_json(), **change}
    with pytest.raises(FormatError):
        PostRecord.from_json(data)


# ---------------------------------------------------------------- prepare() in a real page


@pytest.mark.slow
def test_telegram_prepare_waits_for_the_message_frame_and_changes_nothing() -> None:
    def serve(url: str) -> str | None:
        if url.startswith(EMBED):
            return fixture("telegram/post.html")
        return fixture("telegram/post-page.html") if url.startswith(POST) else None

    async def run(page: Any) -> tuple[list[str], float, int, str]:
        await page.goto(POST, wait_until="domcontentloaded")
        started = time.monotonic()
        notes = await select_profile(page.url).prepare(page, 10)
        frame = next(f for f in page.frames if "embed=1" in f.url)
        count = await frame.evaluate("document.querySelectorAll('.tgme_widget_message').length")
        return notes, time.monotonic() - started, count, await frame.content()

    notes, seconds, count, frame_html = asyncio.run(in_chromium(serve, run))
    assert seconds < 10 and count == 1
    assert len(notes) == 1 and notes[0].startswith("telegram: waited") and EMBED in notes[0]
    record = select_profile(POST).extract(POST, "<html></html>", frames=[(EMBED, frame_html)])
    assert record is not None and record.post_id == "2481" and record.page_state == "post"


@pytest.mark.slow
def test_prepare_returns_within_its_deadline_when_the_page_never_answers() -> None:
    def serve(url: str) -> str | Hang | None:
        if url.startswith(EMBED):
            return HANG  # the message frame never comes
        return fixture("telegram/post-page.html") if url.startswith(POST) else None

    async def run(page: Any) -> tuple[list[str], float, list[str]]:
        await page.goto(POST, wait_until="domcontentloaded")
        started = time.monotonic()
        notes = await select_profile(page.url).prepare(page, 1.5)
        elapsed = time.monotonic() - started
        generic = await select_profile(ARTICLE).prepare(page, 1.0)
        return notes, elapsed, generic

    notes, seconds, generic = asyncio.run(in_chromium(serve, run))
    assert seconds < 3
    assert notes == ["telegram: the message frame did not show the message within 1.5 s"]
    assert generic == []


@pytest.mark.slow
def test_generic_prepare_opens_collapsed_sections() -> None:
    html = "<details><summary>Більше</summary><p>прихований текст</p></details><details open></details>"

    async def run(page: Any) -> tuple[list[str], str]:
        await page.set_content(html)
        notes = await select_profile(ARTICLE).prepare(page, 5)
        return notes, await page.evaluate("document.body.innerText")

    notes, text = asyncio.run(in_chromium(lambda url: None, run))
    assert notes == ["generic: opened 1 collapsed <details> section(s)"]
    assert "прихований текст" in text
