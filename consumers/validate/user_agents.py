"""User agent -> (deviceType, browser, os) with ``ua-parser`` (regexes maintained upstream, Rust
accelerator ``ua-parser-rs`` when installed), cached because user agents repeat a lot."""

from __future__ import annotations

from functools import lru_cache

import ua_parser

MAX_UA_CHARS = 512
"""Longer user agents are cut before parsing (real ones are far shorter)."""

_TABLET_DEVICES = ("iPad", "Tablet", "Kindle", "Nexus 7", "Nexus 9", "Nexus 10", "Galaxy Tab")
_MOBILE_OS = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS",
                        "Symbian OS", "Tizen", "HarmonyOS"})
_DESKTOP_OS = frozenset({"Windows", "Mac OS X", "macOS", "Linux", "Ubuntu", "Chrome OS", "ChromeOS",
                         "Fedora", "Debian", "FreeBSD", "OpenBSD", "NetBSD", "Solaris", "Mint",
                         "Arch Linux", "CentOS", "Red Hat", "SUSE"})
_BOT_WORDS = ("bot", "crawler", "spider", "slurp", "headless")


@lru_cache(maxsize=8192)
def classify_user_agent(user_agent: str) -> tuple[str, str | None, str | None]:
    """``(deviceType, browser, os)`` of a user agent; deviceType is desktop|mobile|tablet|bot|other.

    Families ua-parser calls "Other" are reported as None.
    """
    ua = user_agent[:MAX_UA_CHARS]
    result = ua_parser.parse(ua)
    browser = result.user_agent.family if result.user_agent else None
    os_family = result.os.family if result.os else None
    device = result.device.family if result.device else ""
    browser = None if browser == "Other" else browser
    os_family = None if os_family == "Other" else os_family
    lowered = ua.lower()
    if device == "Spider" or any(word in lowered for word in _BOT_WORDS):
        device_type = "bot"
    elif any(name in device for name in _TABLET_DEVICES) or (
            os_family == "Android" and "mobile" not in lowered):
        device_type = "tablet"
    elif os_family in _MOBILE_OS or "mobi" in lowered:
        device_type = "mobile"
    elif os_family in _DESKTOP_OS:
        device_type = "desktop"
    else:
        device_type = "other"
    return device_type, browser, os_family
