"""Writes the look-alike API answers in api/ (AT Protocol lexicon shapes, fictional content).

    .venv/bin/python tests/assets/platforms/bluesky/make_api.py

Facets are computed here because their ranges are UTF-8 byte offsets (app.bsky.richtext.facet), which
Cyrillic text makes tedious by hand. Edit the data below, run this, then render the saved DOMs again
(README.md)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
CDN = "https://cdn.bsky.app/img"
VIDEO = "https://video.bsky.app/watch"


def did(name: str) -> str:
    """A fictional did:plc (24 base32 characters) per account."""
    return "did:plc:" + base64.b32encode(hashlib.sha256(name.encode()).digest()).decode().lower()[:24]


def account(handle: str, name: str, labels: list[str] | None = None) -> dict[str, Any]:
    d = did(handle)
    out: dict[str, Any] = {
        "did": d,
        "handle": handle,
        "displayName": name,
        "avatar": f"{CDN}/avatar_thumbnail/plain/{d}/bafkreiavatar{handle.split('.')[0][:12]}@jpeg",
        "labels": [
            {"src": d, "uri": f"at://{d}/app.bsky.actor.profile/self", "val": v} for v in labels or []
        ],
        "createdAt": "2023-06-01T10:00:00.000Z",
    }
    return out


def facets(text: str) -> list[dict[str, Any]]:
    """Links (https://...), tags (#...) and mentions (@handle) with their UTF-8 byte ranges."""
    out = []
    for m in re.finditer(r"https://\S+|#\w+|@[a-z0-9.-]+\.[a-z]+", text):
        start = len(text[: m.start()].encode())
        end = start + len(m.group().encode())
        token = m.group()
        if token.startswith("https://"):
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": token}
        elif token.startswith("#"):
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": token[1:]}
        else:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did(token[1:])}
        out.append({"index": {"byteStart": start, "byteEnd": end}, "features": [feature]})
    return out


def post(
    author: dict[str, Any],
    rkey: str,
    text: str,
    when: str,
    *,
    langs: tuple[str, ...] = ("uk",),
    counts: tuple[int, int, int, int] = (0, 0, 0, 0),
    embed: dict[str, Any] | None = None,
    record_embed: dict[str, Any] | None = None,
    reply_to: dict[str, Any] | None = None,
    root: dict[str, Any] | None = None,
) -> dict[str, Any]:
    uri = f"at://{author['did']}/app.bsky.feed.post/{rkey}"
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": when,
        "langs": list(langs),
    }
    if f := facets(text):
        record["facets"] = f
    if record_embed:
        record["embed"] = record_embed
    if reply_to:
        record["reply"] = {
            "root": {"uri": (root or reply_to)["uri"], "cid": (root or reply_to)["cid"]},
            "parent": {"uri": reply_to["uri"], "cid": reply_to["cid"]},
        }
    view: dict[str, Any] = {
        "uri": uri,
        "cid": f"bafyrei{rkey}post",
        "author": {k: author[k] for k in ("did", "handle", "displayName", "avatar", "labels", "createdAt")},
        "record": record,
        "replyCount": counts[0],
        "repostCount": counts[1],
        "likeCount": counts[2],
        "quoteCount": counts[3],
        "indexedAt": when.replace(".000Z", ".514Z"),
        "labels": [],
    }
    if embed:
        view["embed"] = embed
    return view


def images(author: dict[str, Any], names: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "$type": "app.bsky.embed.images#view",
        "images": [
            {
                "thumb": f"{CDN}/feed_thumbnail/plain/{author['did']}/{cid}@jpeg",
                "fullsize": f"{CDN}/feed_fullsize/plain/{author['did']}/{cid}@jpeg",
                "alt": alt,
                "aspectRatio": {"width": 1200, "height": 800},
            }
            for cid, alt in names
        ],
    }


def thread(
    view: dict[str, Any], replies: list[dict[str, Any]] | None = None, parent: Any = None
) -> dict[str, Any]:
    node: dict[str, Any] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": view}
    if parent is not None:
        node["parent"] = parent
    if replies is not None:
        node["replies"] = replies
    return node


def build() -> dict[str, Any]:
    monitor = account("povernennia-dity.bsky.social", "Повернення дітей · моніторинг")
    ombudsman = account("monitor-ombudsman.bsky.social", "Моніторингова група (приклад)")
    news = account("news-example.bsky.social", "Новини Півдня (приклад)")
    olena = account("olena-kovalenko.bsky.social", "Олена Коваленко")
    volunteers = account("kharkiv-volunteers.bsky.social", "Волонтери Харкова")
    marta = account("marta-example.bsky.social", "Марта")
    legal = account("legal-aid-example.bsky.social", "Правова допомога (приклад)")
    ivan = account("ivan-example.bsky.social", "Іван")
    reporter = account("reporter-example.bsky.social", "Reporter (example)")
    witness = account("tykha-svidok.bsky.social", "Свідок", labels=["!no-unauthenticated"])

    parent = post(
        ombudsman,
        "3kxpzm4ahgk2c",
        "Оновлений список дітей, вивезених з Херсонської області у 2022 році, опубліковано. "
        "Якщо впізнаєте дитину — повідомте нам.",
        "2024-03-14T19:05:00.000Z",
        counts=(12, 230, 890, 3),
    )
    quoted = post(
        news,
        "3kxnvq7rfte2d",
        "Российский омбудсмен заявила о «перемещении» ещё 46 детей из Запорожской области "
        "«в безопасные регионы». Родителям об этом не сообщили.",
        "2024-03-13T11:20:00.000Z",
        langs=("ru",),
        counts=(40, 310, 702, 15),
    )
    video_cid = "bafkreivideo3kxq2vfzbwk2a"
    playlist = f"{VIDEO}/{monitor['did'].replace(':', '%3A')}/{video_cid}/playlist.m3u8"
    anchor = post(
        monitor,
        "3kxq2vfzbwk2a",
        "Ще 11 дітей з Херсонщини, вивезених у 2022 році до «оздоровчого табору» в Криму, досі не "
        "повернуті батькам. Ми зібрали свідчення трьох матерів — відео нижче.\n\n"
        "Документи передано до https://legal-aid.example.org/cases/2024-117 #ПовернітьДітей",
        "2024-03-15T08:42:17.000Z",
        counts=(7, 48, 1312, 5),
        embed={
            "$type": "app.bsky.embed.recordWithMedia#view",
            "media": {
                "$type": "app.bsky.embed.video#view",
                "cid": video_cid,
                "playlist": playlist,
                "thumbnail": playlist.replace("playlist.m3u8", "thumbnail.jpg"),
                "alt": "Свідчення матерів (фрагмент)",
                "aspectRatio": {"width": 1280, "height": 720},
            },
            "record": {
                "$type": "app.bsky.embed.record#view",
                "record": {
                    "$type": "app.bsky.embed.record#viewRecord",
                    "uri": quoted["uri"],
                    "cid": quoted["cid"],
                    "author": quoted["author"],
                    "value": quoted["record"],
                    "indexedAt": quoted["indexedAt"],
                    "embeds": [],
                },
            },
        },
        record_embed={
            "$type": "app.bsky.embed.recordWithMedia",
            "record": {
                "$type": "app.bsky.embed.record",
                "record": {"uri": quoted["uri"], "cid": quoted["cid"]},
            },
            "media": {
                "$type": "app.bsky.embed.video",
                "video": {
                    "$type": "blob",
                    "ref": {"$link": video_cid},
                    "mimeType": "video/mp4",
                    "size": 9987,
                },
            },
        },
        reply_to=parent,
    )
    documents = "\n".join(
        f"{i}. {item}"
        for i, item in enumerate(
            [
                "свідоцтво про народження дитини",
                "паспорт або ID-картка одного з батьків",
                "довідка про склад сім'ї",
                "фото дитини (останнє, до вивезення)",
                "скріншоти листування з «табором»",
                "список речей, з якими дитина поїхала",
                "контакти інших батьків з тієї ж групи",
                "дата і місце посадки в автобус",
                "прізвища супровідників, якщо відомі",
                "назва табору або закладу",
                "номери телефонів, з яких дзвонила дитина",
                "заява до Нацполіції (копія)",
                "відповідь Нацполіції, якщо є",
                "звернення до Омбудсмана (копія)",
                "звернення до МКЧХ (копія)",
                "медичні документи дитини",
                "документи про опіку, якщо батьків немає",
                "довіреність, якщо звертається родич",
                "свідчення сусідів або вчителів",
                "відео або аудіо, якщо є",
                "записи в соцмережах «табору»",
                "квитанції, якщо з батьків брали гроші",
                "оголошення про «оздоровлення» (фото)",
                "будь-які листи від окупаційної влади",
                "ваші контакти для зв'язку",
            ],
            start=1,
        )
    )
    replies = [
        post(
            olena,
            "3kxq3a2b4cd2e",
            "Серед них мій племінник Артем, 9 років. Останній дзвінок був з Євпаторії у вересні 2022.",
            "2024-03-15T09:01:00.000Z",
            counts=(1, 3, 54, 0),
            reply_to=anchor,
            root=parent,
        ),
        post(
            volunteers,
            "3kxq3c5d6ef2f",
            "Фото зі списку, який батьки отримали від «опікунської ради» в Криму.",
            "2024-03-15T09:30:00.000Z",
            counts=(0, 9, 120, 1),
            reply_to=anchor,
            root=parent,
            embed=images(
                volunteers,
                [("bafkreilist1", "Перша сторінка списку"), ("bafkreilist2", "Друга сторінка списку")],
            ),
        ),
        post(
            marta,
            "3kxq3e7f8gh2g",
            "Подтверждаю: в лагере «Лучистый» в 2022 году были дети из Херсона, их не отпускали домой.",
            "2024-03-15T10:12:00.000Z",
            langs=("ru",),
            counts=(0, 2, 31, 0),
            reply_to=anchor,
            root=parent,
        ),
        post(
            legal,
            "3kxq3g2h3ij2h",
            "Що подати для заяви про депортацію дитини:\n" + documents,
            "2024-03-15T11:00:00.000Z",
            counts=(0, 64, 210, 2),
            reply_to=anchor,
            root=parent,
        ),
        post(
            ivan,
            "3kxq3i4j5kl2i",
            "Дякую за роботу. Поширюю.",
            "2024-03-15T12:40:00.000Z",
            counts=(0, 0, 4, 0),
            reply_to=anchor,
            root=parent,
        ),
        post(
            reporter,
            "3kxq3k6l7mn2j",
            "Is there a public list of the camps? We are preparing a report for the OSCE mechanism.",
            "2024-03-15T14:05:00.000Z",
            langs=("en",),
            counts=(0, 0, 2, 0),
            reply_to=anchor,
            root=parent,
        ),
    ]
    nested = post(
        monitor,
        "3kxq3m2n3op2k",
        "Олено, напишіть нам у приватні повідомлення — додамо до заяви.",
        "2024-03-15T09:10:00.000Z",
        counts=(0, 0, 12, 0),
        reply_to=replies[0],
        root=parent,
    )
    reply_nodes = [thread(r, [thread(nested, [])] if i == 0 else []) for i, r in enumerate(replies)]
    locked = post(
        witness,
        "3kybvd2xs4a2l",
        "Я бачила, як дітей садили в автобуси біля школи №5.",
        "2024-03-16T07:00:00.000Z",
        counts=(0, 0, 3, 0),
    )
    feed_posts = [
        anchor,
        post(
            monitor,
            "3kxm4r5s6tu2m",
            "Щотижневий звіт: 7 дітей повернуто за тиждень. Дякуємо всім, хто допомагав. #ПовернітьДітей",
            "2024-03-10T18:00:00.000Z",
            counts=(3, 80, 640, 1),
        ),
        post(
            monitor,
            "3kxk2v3w4xy2n",
            "Як передати нам інформацію безпечно: https://povernennia.example.org/safe-contact",
            "2024-03-05T08:00:00.000Z",
            counts=(1, 150, 420, 0),
        ),
    ]
    return {
        "resolve-handle.json": {"did": monitor["did"]},
        "thread.json": {"thread": thread(anchor, reply_nodes, parent=thread(parent))},
        "thread-login-wall.json": {"thread": thread(locked, [])},
        "thread-not-found.json": {
            "error": "NotFound",
            "message": f"Post not found: at://{monitor['did']}/app.bsky.feed.post/3kwdeletedxx2",
        },
        "profile.json": {
            **{k: monitor[k] for k in ("did", "handle", "displayName", "avatar", "labels", "createdAt")},
            "description": "Громадський моніторинг депортації дітей з окупованих територій.\n"
            "Свідчення: https://povernennia.example.org",
            "followersCount": 10518,
            "followsCount": 214,
            "postsCount": 1342,
            "indexedAt": "2024-03-15T08:00:00.000Z",
        },
        "author-feed.json": {"feed": [{"post": p} for p in feed_posts]},
    }


def main() -> None:
    out = HERE / "api"
    out.mkdir(exist_ok=True)
    for name, data in build().items():
        (out / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
