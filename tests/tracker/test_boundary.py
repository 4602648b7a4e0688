"""Unit tests of the error mapping and the Retry-After parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import requests
from jira.exceptions import JIRAError

from bot.errors import IssueNotFound, TrackerConfigError, TrackerError, TrackerUnavailable
from bot.tracker.boundary import field_errors, map_error, retry_after_seconds


def response(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = body
    resp.headers.update(headers or {})
    return resp


def test_404_with_key_is_issue_not_found() -> None:
    err = map_error(JIRAError("nope", status_code=404, response=response(404)), key="KAN-1")
    assert isinstance(err, IssueNotFound) and err.key == "KAN-1"


def test_404_without_key_is_config_error() -> None:
    assert isinstance(map_error(JIRAError("x", status_code=404)), TrackerConfigError)


def test_transient_statuses_carry_retry_after() -> None:
    for status in (429, 502, 503, 504):
        resp = response(status, headers={"Retry-After": "7"})
        err = map_error(JIRAError("busy", status_code=status, response=resp))
        assert isinstance(err, TrackerUnavailable) and err.retry_after == 7.0


def test_requests_errors_are_unavailable() -> None:
    assert isinstance(map_error(requests.ConnectionError("refused")), TrackerUnavailable)
    assert "timed out" in str(map_error(requests.ReadTimeout("slow")))


def test_message_never_includes_headers() -> None:
    resp = response(401, b"denied", {"Set-Cookie": "secret-cookie"})
    err = map_error(JIRAError("denied", status_code=401, response=resp))
    assert "secret-cookie" not in str(err)


def test_jira_error_without_status_and_other_exceptions() -> None:
    assert type(map_error(JIRAError("Invalid transition name."))) is TrackerError
    assert type(map_error(KeyError("x"))) is TrackerError
    assert type(map_error(ValueError("bad json"))) is TrackerError


def test_field_errors() -> None:
    body = b'{"errorMessages":[],"errors":{"summary":"too long"}}'
    assert field_errors(response(400, body)) == {"summary": "too long"}
    assert field_errors(response(400, b"<html>")) == {}
    assert field_errors(None) == {}


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"Retry-After": "3"}) == 3.0
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after_seconds({"Retry-After": later}) or 0) <= 31
