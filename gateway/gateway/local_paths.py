"""Whether a path a sign-in returns to (`next`) stays where it should, judged as a browser
resolves it: a browser decodes `%2e` to a dot before removing `.` and `..` segments (WHATWG URL),
so `/site/A/%2e%2e/B/` is `/site/B/`. The query and fragment are the caller's to judge."""

from __future__ import annotations

import re
from urllib.parse import unquote

# An escaped dot, slash, backslash or percent sign (`%252e` decodes to `%2e`, a dot again after one
# more decoding): no page of ours has one in its path, and each could move a browser elsewhere.
_ESCAPED_SEPARATOR = re.compile(r"%(2e|2f|5c|25)", re.IGNORECASE)


def path_stays_under(path: str, home: str) -> bool:
    """Whether a browser sent to `path` (an absolute path, no query) lands on `home` or a page under
    it: no escaped separator, no `.` or `..` segment, no `//` nor backslash, once decoded."""
    if _ESCAPED_SEPARATOR.search(path):
        return False
    decoded = unquote(path)
    if "\\" in decoded or "//" in decoded or any(s in (".", "..") for s in decoded.split("/")):
        return False
    return decoded == home or decoded.startswith(home.rstrip("/") + "/")
