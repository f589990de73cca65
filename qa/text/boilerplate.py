"""Lines of scraped news pages that are page furniture (ads, players, sign-up boxes), not news."""

from __future__ import annotations

import re

_PATTERNS = [
    r"advertisement",
    r"(story|article) continues below( advertisement)?",
    r"read more",
    r"video ad feedback",
    r"(now playing|up next|replay|play video|watch( the)? video|click to play)\b.*",
    r".*\bsign up (here|now|for|today)\b.*",
    r".*\b(subscribe|newsletter)\b.*\b(here|now|today|inbox)\b.*",
    r"thank you for supporting our journalism.*",
    r"(copyright|©|\(c\)) .*",
    r"all rights reserved\.?",
    r"(share|tweet|email|print|comments?)( this( story| article)?)?",
    r"(follow|like) us on .*",
    r"(getty images|ap photo|reuters|afp)(/.*)?",
    r"(photo|image|video)( credit)?:.*",
    r".*\byour browser does not support\b.*",
    r"_{3,}|-{3,}|\*{3,}",
]
_BOILERPLATE = re.compile(r"^(?:" + "|".join(_PATTERNS) + r")$", re.IGNORECASE)


def strip_boilerplate(text: str) -> str:
    """The text without its page-furniture lines."""
    return "\n".join(line for line in text.split("\n") if not is_boilerplate(line))


def is_boilerplate(line: str) -> bool:
    """True for a line that carries no news: ads, video-player text, newsletter prompts, credits."""
    line = line.strip()
    return not line or (len(line) < 300 and _BOILERPLATE.match(line) is not None)
