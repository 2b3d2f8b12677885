"""Writes the look-alike API answers in api/ (Mastodon REST API entities, fictional content).

    .venv/bin/python tests/assets/platforms/mastodon/make_api.py

Shapes follow docs.joinmastodon.org (entities/Status, entities/Account, entities/MediaAttachment,
entities/Context). Edit the data below, run this, then render the saved DOMs again (README.md)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
FILES = "https://files.mastodon.social"


def account(
    id: str, username: str, domain: str | None, name: str, note: str = "", files: str = FILES
) -> dict[str, Any]:
    """An account as the instance at ``files``'s host sees it (``domain``: its own instance, if remote)."""
    host = domain or files.split("/")[2].removeprefix("files.")
    return {
        "id": id,
        "username": username,
        "acct": f"{username}@{domain}" if domain else username,
        "display_name": name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": "2023-06-01T00:00:00.000Z",
        "note": note,
        "url": f"https://{host}/@{username}",
        "uri": f"https://{host}/users/{username}",
        "avatar": f"{files}/accounts/avatars/{id[:3]}/{id[3:6]}/original/{username}.jpg",
        "avatar_static": f"{files}/accounts/avatars/{id[:3]}/{id[3:6]}/original/{username}.jpg",
        "header": f"{files}/accounts/headers/{id[:3]}/{id[3:6]}/original/{username}.jpg",
        "header_static": f"{files}/accounts/headers/{id[:3]}/{id[3:6]}/original/{username}.jpg",
        "followers_count": 10518,
        "following_count": 214,
        "statuses_count": 1342,
        "last_status_at": "2024-03-15",
        "emojis": [],
        "fields": [],
    }


def paragraphs(text: str) -> str:
    """Status content as Mastodon renders it: <p> per paragraph, links and hashtags as <a>."""
    out = []
    for para in text.split("\n\n"):
        words = []
        for word in para.split(" "):
            if word.startswith("https://"):
                rest = html.escape(word.removeprefix("https://"))
                words.append(
                    f'<a href="{html.escape(word)}" target="_blank" rel="nofollow noopener noreferrer">'
                    f'<span class="invisible">https://</span><span class="">{rest}</span>'
                    f'<span class="invisible"></span></a>'
                )
            elif word.startswith("#"):
                words.append(
                    f'<a href="https://mastodon.social/tags/{html.escape(word[1:])}" class="mention hashtag" '
                    f'rel="tag">#<span>{html.escape(word[1:])}</span></a>'
                )
            else:
                words.append(html.escape(word).replace("\n", "<br />"))
        out.append(f"<p>{' '.join(words)}</p>")
    return "".join(out)


def media(
    id: str,
    kind: str,
    name: str,
    description: str,
    size: tuple[int, int],
    duration: float | None = None,
    files: str = FILES,
) -> dict[str, Any]:
    path = f"{files}/media_attachments/files/{id[:3]}/{id[3:6]}/{id[6:9]}/{id[9:12]}/{id[12:15]}/{id[15:18]}"
    ext = "mp4" if kind in ("video", "gifv") else "jpg"
    original: dict[str, Any] = {
        "width": size[0],
        "height": size[1],
        "size": f"{size[0]}x{size[1]}",
        "aspect": round(size[0] / size[1], 6),
    }
    if duration is not None:
        original.update({"duration": duration, "frame_rate": "25/1", "bitrate": 200000})
    return {
        "id": id,
        "type": kind,
        "url": f"{path}/original/{name}.{ext}",
        "preview_url": f"{path}/small/{name}.jpg",
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": original,
            "small": {"width": 400, "height": 225, "size": "400x225", "aspect": 1.777778},
        },
        "description": description,
        "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
    }


def status(
    id: str,
    who: dict[str, Any],
    text: str,
    when: str,
    *,
    language: str = "uk",
    spoiler: str = "",
    sensitive: bool = False,
    counts: tuple[int, int, int] = (0, 0, 0),
    attachments: list[dict[str, Any]] | None = None,
    reply_to: dict[str, Any] | None = None,
    edited_at: str | None = None,
) -> dict[str, Any]:
    host = who["url"].split("/")[2]
    return {
        "id": id,
        "created_at": when,
        "in_reply_to_id": reply_to["id"] if reply_to else None,
        "in_reply_to_account_id": reply_to["account"]["id"] if reply_to else None,
        "sensitive": sensitive,
        "spoiler_text": spoiler,
        "visibility": "public",
        "language": language,
        "uri": f"https://{host}/users/{who['username']}/statuses/{id}",
        "url": f"https://{host}/@{who['username']}/{id}",
        "replies_count": counts[0],
        "reblogs_count": counts[1],
        "favourites_count": counts[2],
        "edited_at": edited_at,
        "content": paragraphs(text),
        "reblog": None,
        "application": None,
        "account": who,
        "media_attachments": attachments or [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def build() -> dict[str, Any]:
    monitor = account(
        "109876543210987654",
        "povernennia",
        None,
        "Повернення дітей · моніторинг",
        "<p>Громадський моніторинг депортації дітей з окупованих територій.</p>",
    )
    ombudsman = account(
        "110000000000000001", "monitor", "social.example.org", "Моніторингова група (приклад)"
    )
    olena = account(
        "110000000000000002",
        "olena",
        "social.example.org",
        "Олена Коваленко",
        "<p>Шукаю племінника Артема (9 років), вивезеного з Херсонщини у 2022.</p>",
    )
    volunteers = account("110000000000000003", "volunteers", None, "Волонтери Харкова")
    marta = account("110000000000000004", "marta", "social.example.org", "Марта")
    legal = account("110000000000000005", "legalaid", None, "Правова допомога (приклад)")
    ivan = account("110000000000000006", "ivan", None, "Іван")
    reporter = account("110000000000000007", "reporter", "news.example.org", "Reporter (example)")

    parent = status(
        "111998877665544332",
        ombudsman,
        "Оновлений список дітей, вивезених з Херсонської області "
        "у 2022 році, опубліковано. Якщо впізнаєте дитину — повідомте нам.",
        "2024-03-14T19:05:00.000Z",
        counts=(12, 230, 890),
    )
    main = status(
        "112100200300400500",
        monitor,
        "Ще 11 дітей з Херсонщини, вивезених у 2022 році до «оздоровчого табору» в Криму, досі не повернуті "
        "батькам. Ми зібрали свідчення трьох матерів — відео нижче.\n\n"
        "Документи передано до https://legal-aid.example.org/cases/2024-117 #ПовернітьДітей",
        "2024-03-15T08:42:17.000Z",
        spoiler="Депортація дітей, свідчення матерів",
        sensitive=True,
        counts=(7, 48, 1312),
        reply_to=parent,
        edited_at="2024-03-15T09:05:41.000Z",
        attachments=[
            media(
                "112100200300400501", "video", "svidchennia", "Свідчення матерів (фрагмент)", (1280, 720), 1.5
            )
        ],
    )
    long_text = (
        "Що подати для заяви про депортацію дитини: "
        + "; ".join(
            [
                "свідоцтво про народження",
                "паспорт одного з батьків",
                "фото дитини до вивезення",
                "скріншоти листування з «табором»",
                "дата і місце посадки в автобус",
                "прізвища супровідників",
                "назва табору або закладу",
                "номери телефонів, з яких дзвонила дитина",
                "заява до Нацполіції",
                "звернення до Омбудсмана",
                "звернення до МКЧХ",
                "медичні документи дитини",
                "документи про опіку",
                "свідчення сусідів або вчителів",
                "оголошення про «оздоровлення»",
                "листи від окупаційної влади",
                "ваші контакти для зв'язку",
            ]
        )
        + "."
    )
    descendants = [
        status(
            "112100200300400601",
            olena,
            "Серед них мій племінник Артем, 9 років. Останній дзвінок був з Євпаторії у вересні 2022.",
            "2024-03-15T09:01:00.000Z",
            counts=(1, 3, 54),
            reply_to=main,
        ),
        status(
            "112100200300400602",
            monitor,
            "Олено, напишіть нам у приватні повідомлення — додамо до заяви.",
            "2024-03-15T09:10:00.000Z",
            counts=(0, 0, 12),
            reply_to=None,
        ),
        status(
            "112100200300400603",
            volunteers,
            "Фото зі списку, який батьки отримали від «опікунської ради» в Криму.",
            "2024-03-15T09:30:00.000Z",
            sensitive=True,
            counts=(0, 9, 120),
            reply_to=main,
            attachments=[
                media("112100200300400604", "image", "spysok-1", "Перша сторінка списку", (1200, 800)),
                media("112100200300400605", "image", "spysok-2", "Друга сторінка списку", (1200, 800)),
            ],
        ),
        status(
            "112100200300400606",
            marta,
            "Подтверждаю: в лагере «Лучистый» в 2022 году были дети из Херсона, их не отпускали домой.",
            "2024-03-15T10:12:00.000Z",
            language="ru",
            counts=(0, 2, 31),
            reply_to=main,
            edited_at="2024-03-15T10:20:00.000Z",
        ),
        status(
            "112100200300400607",
            legal,
            long_text,
            "2024-03-15T11:00:00.000Z",
            counts=(0, 64, 210),
            reply_to=main,
        ),
        status(
            "112100200300400608",
            ivan,
            "Дякую за роботу. Поширюю.",
            "2024-03-15T12:40:00.000Z",
            spoiler="не по темі",
            counts=(0, 0, 4),
            reply_to=main,
        ),
        status(
            "112100200300400609",
            reporter,
            "Is there a public list of the camps? We are preparing a report for the OSCE mechanism.",
            "2024-03-15T14:05:00.000Z",
            language="en",
            counts=(0, 0, 2),
            reply_to=main,
        ),
    ]
    descendants[1]["in_reply_to_id"] = descendants[0]["id"]
    descendants[1]["in_reply_to_account_id"] = olena["id"]
    # The same account seen from its own instance (social.example.org: local there, media under /system).
    local_files = "https://social.example.org/system"
    olena = account("110000000000000002", "olena", None, "Олена Коваленко", olena["note"], files=local_files)
    olena_statuses = [
        status(
            "112100900000000003",
            olena,
            "Сьогодні подала заяву до Нацполіції. Номер справи маю. #ПовернітьДітей",
            "2024-03-16T08:00:00.000Z",
            counts=(2, 14, 96),
        ),
        status(
            "112100900000000002",
            olena,
            "Дякую всім, хто поширив. Є перші відгуки від людей з Євпаторії.",
            "2024-03-15T20:00:00.000Z",
            counts=(1, 5, 40),
        ),
        status(
            "112100900000000001",
            olena,
            "Шукаю племінника Артема, 9 років, вивезеного з Херсонщини у 2022. "
            "Будь-яка інформація: https://povernennia.example.org/artem",
            "2024-03-14T12:00:00.000Z",
            counts=(4, 120, 300),
            attachments=[
                media("112100900000000011", "image", "artem", "Фото Артема", (800, 1000), files=local_files)
            ],
        ),
    ]
    return {
        "status.json": main,
        "context.json": {"ancestors": [parent], "descendants": descendants},
        "account-olena.json": {**olena, "followers_count": 310, "following_count": 95, "statuses_count": 3},
        "account-olena-statuses.json": olena_statuses,
    }


def main() -> None:
    out = HERE / "api"
    out.mkdir(exist_ok=True)
    for name, data in build().items():
        (out / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
