"""The simplest Slack-to-Jira bot: classify, file in Jira, and only then ``ack()``.

A minimal slack-bolt AsyncApp over Socket Mode, as most small bots are written: the `/ticket`
listener asks the model for a label (OpenAI-compatible server at OPENAI_BASE_URL), creates
the issue with the `jira` package (JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN,
JIRA_PROJECT_KEY), then acknowledges. No ticket log, no dedupe.

It runs with ``process_before_response=True`` so the ack goes out whenever the work ends:
with Bolt's default the runner stops waiting for ``ack()`` after 3 s and sends no ack at all,
and the latency could not be measured.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from jira import JIRA
from openai import AsyncOpenAI
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.apps.bare import serve

LABELS = ("Task", "Bug", "Incident", "Feature Request", "Question")
ISSUE_TYPES = {"Feature Request": "Story", "Question": "Task"}
PROMPT = ("Classify this request as one of Task, Bug, Incident, Feature Request, Question. "
          'Answer with JSON {"label": ...}.')


async def classify(model: AsyncOpenAI, text: str) -> str:
    reply = await model.chat.completions.create(
        model=os.environ["OPENAI_MODEL"], temperature=0, max_tokens=20,
        response_format={"type": "json_object"},
        messages=[{"role": "system", "content": PROMPT}, {"role": "user", "content": text}])
    try:
        label = json.loads(reply.choices[0].message.content or "{}").get("label")
    except ValueError:
        label = None
    return label if label in LABELS else "Task"


def file_issue(jira: JIRA, text: str, label: str) -> Any:
    return jira.create_issue(project=os.environ["JIRA_PROJECT_KEY"], summary=text[:250],
                             description=text, issuetype={"name": ISSUE_TYPES.get(label, label)})


def build_app() -> AsyncApp:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"],
                            base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client, process_before_response=True)
    model = AsyncOpenAI(base_url=os.environ["OPENAI_BASE_URL"],
                        api_key=os.environ["OPENAI_API_KEY"], timeout=900, max_retries=0)
    jira = JIRA(server=os.environ["JIRA_BASE_URL"],
                basic_auth=(os.environ["JIRA_EMAIL"], os.environ["JIRA_API_TOKEN"]))

    @app.command("/ticket")
    async def ticket(ack: AsyncAck, command: dict[str, Any]) -> None:
        text = command.get("text") or ""
        label = await classify(model, text)
        issue = await asyncio.to_thread(file_issue, jira, text, label)
        await ack(f"Filed {issue.key} ({label})")

    return app


if __name__ == "__main__":
    asyncio.run(serve(build_app()))
