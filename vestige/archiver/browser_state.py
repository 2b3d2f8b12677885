"""What a browser keeps for a logged-in account: cookies and each origin's localStorage.

Pure parsers for the two forms people have it in: the Netscape ``cookies.txt`` that browser export
extensions, curl and yt-dlp write, and Playwright's storage-state JSON. Both are read as hostile input
(bounded, every field checked, one-line errors naming the line or field, never echoing a value), and both
become a ``BrowserState``, which Playwright takes as a new context's ``storage_state``.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..errors import InputError

MAX_FILE_BYTES = 16 << 20
MAX_LINES = 200_000
MAX_COOKIES = 100_000
MAX_ORIGINS = 10_000
MAX_ITEMS_PER_ORIGIN = 100_000
MAX_COOKIE_BYTES = 4096  # name and value together: Chromium refuses a longer cookie
MAX_PATH = 1024
# 9999-12-31T23:59:59Z: Chromium refuses a later expiry (and itself keeps a cookie at most 400 days).
LATEST_EXPIRY = 253402300799.0
SAME_SITE = ("Strict", "Lax", "None")
HTTP_ONLY_PREFIX = "#HttpOnly_"  # how curl and browser exports mark HttpOnly cookies in cookies.txt
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str = field(repr=False)  # a secret: never in a repr, a message or a listing
    domain: str  # "x.com": that host only; ".x.com": the domain and its subdomains
    path: str
    expires: float  # Unix time; -1: a session cookie
    http_only: bool
    secure: bool
    same_site: str | None  # Strict, Lax or None; None: not known (cookies.txt does not say)

    @property
    def host(self) -> str:
        return self.domain.removeprefix(".")

    def to_playwright(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "value": self.value,
            "domain": self.domain,
            "path": self.path,
            "expires": self.expires,
            "httpOnly": self.http_only,
            "secure": self.secure,
        }
        if self.same_site is not None:
            out["sameSite"] = self.same_site
        return out


@dataclass(frozen=True)
class OriginStorage:
    origin: str  # scheme://host[:port]
    local_storage: tuple[tuple[str, str], ...] = field(repr=False)

    @property
    def host(self) -> str:
        return urlsplit(self.origin).hostname or ""

    def to_playwright(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "localStorage": [{"name": n, "value": v} for n, v in self.local_storage],
        }


@dataclass(frozen=True)
class BrowserState:
    cookies: tuple[Cookie, ...]
    origins: tuple[OriginStorage, ...] = ()

    def to_playwright(self) -> dict[str, Any]:
        """The state as Playwright's ``storage_state`` takes it (and writes it)."""
        return {
            "cookies": [c.to_playwright() for c in self.cookies],
            "origins": [o.to_playwright() for o in self.origins],
        }

    @classmethod
    def from_playwright(cls, data: Any) -> BrowserState:
        return _state(data)

    def restricted(self, domains: Iterable[str], now: float) -> tuple[BrowserState, int]:
        """Only the cookies and origins of ``domains`` (and their subdomains), without expired cookies;
        and how many were left out."""
        wanted = tuple(domains)
        cookies = tuple(
            c for c in self.cookies if in_domains(c.host, wanted) and (c.expires < 0 or c.expires > now)
        )
        origins = tuple(o for o in self.origins if in_domains(o.host, wanted))
        dropped = len(self.cookies) - len(cookies) + len(self.origins) - len(origins)
        return BrowserState(cookies, origins), dropped


def in_domains(host: str, domains: Iterable[str]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def check_host(value: str) -> str:
    """A host name (lower-case, ASCII: IDNs in their xn-- form) or an IP address; else ValueError."""
    host = value.strip().lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.split(".")
    if not host or len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError("not a host name")
    return host


# -- cookies.txt ------------------------------------------------------------------------------------------
def parse_cookies_txt(data: bytes) -> BrowserState:
    """Netscape cookies.txt: one cookie per line, 7 tab-separated fields (domain, include-subdomains,
    path, secure, expires, name, value); ``#`` lines are comments except the ``#HttpOnly_`` prefix."""
    _check_size(data)
    if data.lstrip()[:1] in (b"{", b"["):
        raise InputError(
            "this is JSON, not a cookies.txt file", hint="use --storage-state for Playwright JSON"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = data[: exc.start].count(b"\n") + 1
        raise InputError(f"line {where}: not UTF-8 text") from None
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        raise InputError(f"more than {MAX_LINES} lines: not a cookies.txt file")
    cookies: list[Cookie] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.removesuffix("\r")
        http_only = line.startswith(HTTP_ONLY_PREFIX)
        if http_only:
            line = line[len(HTTP_ONLY_PREFIX) :]
        elif not line.strip() or line.startswith("#"):
            continue
        try:
            cookies.append(_cookie_line(line, http_only))
        except ValueError as exc:
            raise InputError(
                f"line {number}: {exc}",
                hint="expected the Netscape cookies.txt format: domain, TRUE/FALSE, path, TRUE/FALSE, "
                "expiry, name, value, separated by tabs",
            ) from None
    if not cookies:
        raise InputError("no cookies in this cookies.txt file")
    return BrowserState(tuple(cookies))


def to_cookies_txt(state: BrowserState) -> bytes:
    """The cookies of ``state`` as a Netscape cookies.txt, what yt-dlp reads (localStorage has no place in
    it). ``parse_cookies_txt`` reads it back to the same cookies, but for SameSite, which it cannot say."""
    lines = ["# Netscape HTTP Cookie File"]
    for c in state.cookies:
        fields = (
            (HTTP_ONLY_PREFIX if c.http_only else "") + c.domain,
            "TRUE" if c.domain.startswith(".") else "FALSE",
            c.path,
            "TRUE" if c.secure else "FALSE",
            "0" if c.expires < 0 else str(int(c.expires)),
            c.name,
            c.value,
        )
        lines.append("\t".join(fields))
    return ("\n".join(lines) + "\n").encode()


def _cookie_line(line: str, http_only: bool) -> Cookie:
    fields = line.split("\t")
    if len(fields) == 6:  # some exporters leave out an empty value's field
        fields.append("")
    if len(fields) != 7:
        raise ValueError(f"{len(fields)} tab-separated fields where 7 were expected")
    domain, subdomains, path, secure, expires, name, value = fields
    host = _host_field(domain)
    expiry = expires.strip()
    if not re.fullmatch(r"\d{1,16}(\.\d{1,9})?", expiry):
        raise ValueError("the expiry is not a Unix time")
    seconds = float(expiry)
    return _cookie(
        name,
        value,
        ("." if _flag(subdomains, "include-subdomains") else "") + host,
        path,
        -1.0 if seconds == 0 else seconds,  # 0: a session cookie
        http_only,
        _flag(secure, "secure"),
        None,
    )


def _flag(value: str, what: str) -> bool:
    word = value.strip().upper()
    if word not in ("TRUE", "FALSE"):
        raise ValueError(f"the {what} field is not TRUE or FALSE")
    return word == "TRUE"


# -- Playwright storage state ---------------------------------------------------------------------------
def parse_storage_state(data: bytes) -> BrowserState:
    """Playwright's storage state: ``{"cookies": [...], "origins": [{"origin", "localStorage": [...]}]}``."""
    _check_size(data)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text, so not a storage-state JSON file") from None
    except RecursionError:
        raise InputError("not a storage state: JSON nested too deeply") from None
    except ValueError as exc:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else "invalid JSON"
        where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else "JSON"
        raise InputError(
            f"{where}: {message}: not a storage-state JSON file", hint="use --cookies for cookies.txt"
        ) from None
    return _state(doc)


def _state(doc: Any) -> BrowserState:
    if not isinstance(doc, dict) or not isinstance(doc.get("cookies"), list):
        hint = "a list of cookies is not a storage state; export cookies.txt and use --cookies"
        raise InputError(
            "not a Playwright storage state (an object with a 'cookies' list)",
            hint=hint if isinstance(doc, list) else None,
        )
    raw_origins = doc.get("origins", [])
    if not isinstance(raw_origins, list):
        raise InputError("storage state: 'origins' is not a list")
    if len(doc["cookies"]) > MAX_COOKIES or len(raw_origins) > MAX_ORIGINS:
        raise InputError(f"storage state: more than {MAX_COOKIES} cookies or {MAX_ORIGINS} origins")
    cookies = tuple(_json_cookie(c, f"cookies[{i}]") for i, c in enumerate(doc["cookies"]))
    origins = tuple(_json_origin(o, f"origins[{i}]") for i, o in enumerate(raw_origins))
    return BrowserState(cookies, origins)


def _json_cookie(raw: Any, where: str) -> Cookie:
    if not isinstance(raw, dict):
        raise InputError(f"storage state: {where} is not an object")
    try:
        for key in ("name", "value", "domain", "path"):
            if not isinstance(raw.get(key), str):
                raise ValueError(f"'{key}' is missing or not a string")
        expires = raw.get("expires", -1)
        if isinstance(expires, bool) or not isinstance(expires, int | float) or not math.isfinite(expires):
            raise ValueError("'expires' is not a number")
        if expires != -1 and expires < 0:
            raise ValueError("'expires' is negative")
        flags = [raw.get(k, False) for k in ("httpOnly", "secure")]
        if not all(isinstance(f, bool) for f in flags):
            raise ValueError("'httpOnly' and 'secure' must be true or false")
        same_site = raw.get("sameSite")
        if same_site is not None and same_site not in SAME_SITE:
            raise ValueError("'sameSite' is not Strict, Lax or None")
        domain = raw["domain"]
        host = _host_field(domain)
        return _cookie(
            raw["name"],
            raw["value"],
            ("." if domain.startswith(".") else "") + host,
            raw["path"],
            float(expires),
            flags[0],
            flags[1],
            same_site,
        )
    except ValueError as exc:
        raise InputError(f"storage state: {where}: {exc}") from None


def _json_origin(raw: Any, where: str) -> OriginStorage:
    if not isinstance(raw, dict) or not isinstance(raw.get("origin"), str):
        raise InputError(f"storage state: {where} is not an object with an 'origin'")
    origin = _origin(raw["origin"])
    if origin is None:
        raise InputError(f"storage state: {where}: the origin is not scheme://host[:port]")
    items = raw.get("localStorage", [])
    if not isinstance(items, list) or len(items) > MAX_ITEMS_PER_ORIGIN:
        raise InputError(
            f"storage state: {where}: 'localStorage' is not a list of at most {MAX_ITEMS_PER_ORIGIN}"
        )
    pairs: list[tuple[str, str]] = []
    for j, item in enumerate(items):
        name, value = (item.get("name"), item.get("value")) if isinstance(item, dict) else (None, None)
        if not isinstance(name, str) or not isinstance(value, str):
            raise InputError(f"storage state: {where}.localStorage[{j}] is not a name and a string value")
        if not (_encodable(name) and _encodable(value)):
            raise InputError(f"storage state: {where}.localStorage[{j}] holds text that is not valid Unicode")
        pairs.append((name, value))
    return OriginStorage(origin, tuple(pairs))


def _origin(text: str) -> str | None:
    """``scheme://host[:port]`` as Playwright writes an origin, or None if ``text`` is not one."""
    if len(text) > 300:
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
        host = check_host(parts.hostname or "")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.fragment:
        return None
    if parts.username is not None:
        return None
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port else "")


# -- shared checks --------------------------------------------------------------------------------------
def _check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"larger than {MAX_FILE_BYTES >> 20} MiB: not a cookies file")


def _host_field(domain: str) -> str:
    try:
        return check_host(domain.removeprefix("."))
    except ValueError:
        raise ValueError("the domain is not a host name") from None


def _cookie(
    name: str,
    value: str,
    domain: str,
    path: str,
    expires: float,
    http_only: bool,
    secure: bool,
    same_site: str | None,
) -> Cookie:
    """A cookie Chromium will take: a storage state it refuses would stop every capture made with it."""
    # A header cannot carry control characters or ';' in a cookie.
    if not name or not _header_safe(name) or "=" in name:
        raise ValueError("a cookie name is empty or has characters a cookie cannot have")
    shown = _shown(name)
    if not _header_safe(value):
        raise ValueError(f"the value of cookie {shown} has characters a cookie cannot have")
    if len(name.encode()) + len(value.encode()) > MAX_COOKIE_BYTES:
        raise ValueError(f"cookie {shown} is longer than {MAX_COOKIE_BYTES} bytes")
    if not path.startswith("/") or len(path) > MAX_PATH or not _header_safe(path):
        raise ValueError(f"the path of cookie {shown} is not a path")
    lower = name.lower()
    if (lower.startswith(("__secure-", "__host-")) or same_site == "None") and not secure:
        raise ValueError(f"cookie {shown} must be secure (its name prefix or SameSite=None says so)")
    if lower.startswith("__host-") and (domain.startswith(".") or path != "/"):
        raise ValueError(f"cookie {shown} is a __Host- cookie: it must be for its host only, with path /")
    return Cookie(name, value, domain, path, min(expires, LATEST_EXPIRY), http_only, secure, same_site)


def _header_safe(text: str) -> bool:
    return _encodable(text) and not any(ord(c) < 32 or ord(c) == 127 or c == ";" for c in text)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a JSON escape
        return False
    return True


def _shown(name: str) -> str:
    """A cookie name as an error message may show it (names are not secret; bounded, printable)."""
    return repr(name[:40]) if name.isprintable() else "(unprintable name)"
