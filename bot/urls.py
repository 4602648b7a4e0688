"""Service URLs from the settings: where plain ``http://`` is acceptable, and what may be shown.

Tokens travel to ``SLACK_API_URL``, ``JIRA_BASE_URL``, ``OPENAI_BASE_URL`` and
``KOBOLDCPP_API_URL``, so those need ``https://`` unless the server is on this machine (a
loopback address: ``127.0.0.0/8``, ``::1`` or ``localhost``). A URL may carry credentials
(``https://user:password@host``): ``redacted_url`` is the form to print.
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import unquote, urlsplit

LOOPBACK_NAMES = ("localhost",)
EXAMPLE_JIRA_URL = "https://your-team.atlassian.net"  # the shipped config.yml's placeholder


def is_loopback(host: str | None) -> bool:
    """``localhost``, ``127.0.0.0/8`` or ``::1``."""
    if not host:
        return False
    host = host.strip("[]").rstrip(".").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> Literal["invalid", "insecure"] | None:
    """What keeps tokens from being sent to ``url``: not an http(s) URL with a host, or plain
    ``http://`` to a host that is not loopback; None when it is fine."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return "invalid"
    if parts.scheme not in ("http", "https") or not host:
        return "invalid"
    if parts.scheme == "http" and not is_loopback(host):
        return "insecure"
    return None


def redacted_url(url: str) -> str:
    """``url`` with the password in it masked (``user:***@``), or a lone user name (often a
    token) masked (``***@``); unchanged when it carries no credentials."""
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return "<invalid URL>"
    if user is None and password is None:
        return url
    shown = "***" if password is None else f"{user or ''}:***"
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{shown}@{host}").geturl()


def url_secrets(url: str | None) -> list[str]:
    """The password in ``url``, as written and decoded, for masking in logs."""
    if not url:
        return []
    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return sorted({password, unquote(password)}) if password else []


def is_example_jira_url(url: str | None) -> bool:
    """Whether ``url`` is still the example site of the shipped ``config.yml``."""
    return bool(url) and str(url).rstrip("/").lower() == EXAMPLE_JIRA_URL
