"""Per-channel routing: which Jira project, approvers, issue types, labels, components and field
defaults apply to a ticket filed in a channel (``routing.channels`` in config.yml).

``Route`` is a plain value, already merged with the global settings: what a channel's route
leaves out comes from ``jira.*`` and ``approvals.approvers``; a channel without a route gets
``Router.default``. ``Router.for_channel`` finds a channel's route by its id, or by its name
through Slack (``ChannelDirectory``, re-read after ``routing.channel_names_cache_s``). A name
that no channel has (a typo, a rename, a channel the bot cannot see) is logged once per
reading, with what to do, and its route is not used; a renamed channel is named in the log.

Approvers are per route: in a routed channel that lists approvers, only they decide, the
global ones included only if listed there (``bot.triage.refusals``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from bot.db.models import Ticket
from bot.errors import ChatError, ChatUnavailable
from bot.labels import Label
from bot.settings import ApprovalSettings, JiraSettings, Settings
from bot.settings_routing import ChannelRoute, RoutingSettings, channel_ref
from bot.tracker.models import NewIssue
from bot.triage.ports import ChannelDirectory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Route:
    """Everything channel-specific about filing a ticket (see the module docstring)."""

    project_key: str
    approvers: frozenset[str]
    issue_types: Mapping[Label, str]
    default_issue_type: str
    allow_self_approval: bool = False
    emoji_filing: bool | None = None  # None: the global emoji setting decides
    labels: tuple[str, ...] = ()  # every label to add (jira.labels and the route's)
    components: tuple[str, ...] = ()
    field_defaults: Mapping[str, str] = field(default_factory=dict)
    channel: str | None = None  # the routing.channels key it came from; None: no route

    @property
    def routed(self) -> bool:
        return self.channel is not None

    def issue_type(self, label: Label) -> str:
        """The issue type name ``label`` maps to here (the project may still lack it)."""
        return self.issue_types.get(label, self.default_issue_type)

    def apply(self, new: NewIssue, project: str, form: Mapping[str, str]) -> NewIssue:
        """``new`` filed here, in ``project`` (pinned), with the form's field values."""
        return replace(
            new,
            project_key=project,
            issue_type=self.issue_type(new.label),
            default_issue_type=self.default_issue_type,
            labels=self.labels,
            components=self.components,
            field_values={**self.field_defaults, **form},
        )


def default_route(
    jira: JiraSettings, approvals: ApprovalSettings, routing: RoutingSettings
) -> Route:
    """The global settings as a route: where a channel without a route files."""
    return Route(
        project_key=jira.project_key or "",
        approvers=frozenset(approvals.approvers),
        issue_types=dict(jira.issue_types),
        default_issue_type=jira.default_issue_type,
        allow_self_approval=approvals.allow_self_approval,
        labels=tuple(jira.labels),
        field_defaults=dict(routing.field_defaults),
    )


def merge(base: Route, key: str, channel: ChannelRoute) -> Route:
    """``base`` (the global route) with what ``channel`` sets."""
    return Route(
        project_key=channel.project_key or base.project_key,
        approvers=(
            frozenset(channel.approvers) if channel.approvers is not None else base.approvers
        ),
        issue_types={**base.issue_types, **channel.issue_types},
        default_issue_type=channel.default_issue_type or base.default_issue_type,
        allow_self_approval=base.allow_self_approval,
        emoji_filing=channel.emoji_filing,
        labels=tuple(dict.fromkeys([*base.labels, *channel.labels])),
        components=tuple(channel.components),
        field_defaults={**base.field_defaults, **channel.field_defaults},
        channel=key,
    )


class Router:
    """Channel id -> ``Route`` (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        directory: ChannelDirectory,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        routing = settings.routing
        self.default = default_route(settings.jira, settings.approvals, routing)
        self._directory = directory
        self._clock = clock
        self._ttl_s = routing.channel_names_cache_s
        self._by_id: dict[str, Route] = {}
        self._by_name: dict[str, Route] = {}
        for key, channel in routing.channels.items():
            kind, ref = channel_ref(key)
            route = merge(self.default, key, channel)
            (self._by_id if kind == "id" else self._by_name)[ref] = route
        self._names: dict[str, str] = {}  # name -> id, as last read
        self._read_at: float | None = None
        self._lock = asyncio.Lock()

    def routes(self) -> list[Route]:
        """Every configured route (for doctor), then the global one."""
        return [*self._by_id.values(), *self._by_name.values(), self.default]

    def project_keys(self) -> frozenset[str]:
        """Every project the bot files into."""
        return frozenset(route.project_key for route in self.routes() if route.project_key)

    async def for_channel(self, channel_id: str) -> Route:
        """The route of ``channel_id``; ``default`` when it has none.

        Raises ChatUnavailable only when routes are named by channel name, Slack cannot be
        reached, and the names were never read: guessing would file into the wrong project.
        Slack refusing the list for good (a missing scope) is logged; names then match none.
        """
        route = self._by_id.get(channel_id)
        if route is not None or not self._by_name:
            return route or self.default
        names = await self._channel_names()
        for name, found in self._by_name.items():
            if names.get(name) == channel_id:
                return found
        return self.default

    async def _channel_names(self) -> dict[str, str]:
        if self._read_at is not None and self._clock() - self._read_at < self._ttl_s:
            return self._names
        async with self._lock:
            if self._read_at is not None and self._clock() - self._read_at < self._ttl_s:
                return self._names
            try:
                names = await self._directory.channel_ids()
            except ChatUnavailable as exc:
                if self._read_at is None:
                    raise
                log.warning("routing: cannot re-read channel names (%s); using the last ones", exc)
                return self._names
            except ChatError as exc:  # refused for good (a missing scope): names match nothing
                log.error("routing: Slack refused the channel list (%s); routes by name unused "
                          "(add the channels:read / groups:read scopes, or route by id)", exc)
                names = {}
            self._report(names)
            self._names, self._read_at = names, self._clock()
        return self._names

    def _report(self, names: dict[str, str]) -> None:
        by_id = {channel_id: name for name, channel_id in names.items()}
        for name in self._by_name:
            if name in names:
                continue
            old_id = self._names.get(name)
            if old_id is not None and old_id in by_id:
                log.warning(
                    "routing: channel #%s (%s) is now #%s; its route no longer applies: "
                    "rename it in routing.channels, or use the id %s",
                    name, old_id, by_id[old_id], old_id,
                )
            else:
                log.warning(
                    "routing: no channel named #%s (a typo, archived or renamed, or a private "
                    "channel the bot is not in); its route is not used until it resolves",
                    name,
                )


async def approvals_for(
    router: Router | None, fallback: ApprovalSettings, ticket: Ticket
) -> ApprovalSettings:
    """Who may decide on ``ticket``: its channel's route's approvers (``fallback`` without a
    router). Raises ChatUnavailable as ``Router.for_channel`` does: never guesses."""
    if router is None:
        return fallback
    route = await router.for_channel(ticket.slack_channel_id)
    return ApprovalSettings.model_construct(
        approvers=sorted(route.approvers), allow_self_approval=route.allow_self_approval
    )
