#!/bin/sh
# The container's entry point (Dockerfile). The default command, `run`:
#   1. `ticketbot init` when the data directory ($TICKETBOT_HOME) is empty (a new volume);
#   2. `ticketbot db upgrade` (replicas on PostgreSQL take turns: an advisory lock);
#   3. `exec ticketbot run`: the bot becomes PID 1 and receives `docker stop`'s SIGTERM itself.
# `prepare` does steps 1 and 2 only (compose.yaml runs it once before the replicas start).
# Anything else is a ticketbot command: `docker run --rm -v ...:/data ticketbot doctor`.
set -eu

prepare() {
    home="${TICKETBOT_HOME:?TICKETBOT_HOME must name the data directory}"
    if [ -z "$(ls -A "$home")" ]; then
        ticketbot init
    fi
    ticketbot db upgrade
}

case "${1:-run}" in
    run)
        prepare
        exec ticketbot run
        ;;
    prepare)
        prepare
        ;;
    *)
        exec ticketbot "$@"
        ;;
esac
