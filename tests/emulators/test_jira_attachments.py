"""The Jira emulator's attachments, spoken to by the real ``jira`` library."""

from __future__ import annotations

import asyncio
import io

import aiohttp
import pytest
from jira import JIRA, JIRAError

from emulators.jira import JiraEmulator


def client(jira: JiraEmulator, version: str = "3") -> JIRA:
    return JIRA(
        server=jira.url,
        basic_auth=(jira.email, jira.api_token),
        options={"rest_api_version": version},
        max_retries=0,
        get_server_info=False,
    )


@pytest.mark.parametrize("version", ["2", "3"])
async def test_add_attachment_lists_it_on_the_issue(jira: JiraEmulator, version: str) -> None:
    key = jira.add_issue("printer on fire")
    lib = client(jira, version)

    def attach() -> tuple[str, int, list[tuple[str, int]]]:
        added = lib.add_attachment(key, io.BytesIO(b"x" * 1234), filename="log.txt")
        issue = lib.issue(key, fields="attachment")
        return added.filename, added.size, [(a.filename, a.size) for a in issue.fields.attachment]

    filename, size, listed = await asyncio.to_thread(attach)
    assert (filename, size) == ("log.txt", 1234)
    assert listed == [("log.txt", 1234)]
    assert jira.attachments_of(key)[0]["content"] == b"x" * 1234


async def test_attachments_need_the_xsrf_header_and_a_file(jira: JiraEmulator) -> None:
    key = jira.add_issue("x")
    auth = {"Authorization": aiohttp.encode_basic_auth(jira.email, jira.api_token)}
    url = f"{jira.url}/rest/api/2/issue/{key}/attachments"
    async with aiohttp.ClientSession(headers=auth) as http:
        form = aiohttp.FormData()
        form.add_field("file", b"abc", filename="a.txt")
        async with http.post(url, data=form) as refused:
            assert refused.status == 403
        empty = aiohttp.FormData()
        empty.add_field("other", b"x", filename="o.txt")
        headers = {"X-Atlassian-Token": "no-check"}
        async with http.post(url, data=empty, headers=headers) as nothing:
            assert nothing.status == 400
    assert jira.attachments_of(key) == []


async def test_a_file_over_the_site_limit_is_refused(jira: JiraEmulator) -> None:
    key = jira.add_issue("x")
    jira.max_attachment_bytes = 10
    lib = client(jira)
    with pytest.raises(JIRAError) as refused:
        await asyncio.to_thread(lib.add_attachment, key, io.BytesIO(b"y" * 11), "big.bin")
    assert refused.value.status_code == 413
    assert jira.attachments_of(key) == []
