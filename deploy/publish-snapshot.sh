#!/bin/sh
# Publish the writer's index to the replicas: snapshot, rsync, switch the link.
# Run on the writer (from cron or a systemd timer). Every replica serves
# $ROOT/current with `analysis-search serve --read-only --index $ROOT/current`.
#   REPLICAS="search1 search2" deploy/publish-snapshot.sh
set -eu
ROOT=${ROOT:-/srv/analysis-search}
INDEX=${INDEX:-$ROOT/index}
REPLICAS=${REPLICAS:?set REPLICAS to the replica hosts}
NAME=$(date -u +%Y%m%dT%H%M%SZ)
KEEP=${KEEP:-3}

mkdir -p "$ROOT/snapshots"
analysis-search snapshot --index "$INDEX" "$ROOT/snapshots/$NAME"
for host in $REPLICAS; do
    # into a new folder; segments the replica already has are hard-linked
    rsync -a --link-dest="$ROOT/current/" "$ROOT/snapshots/$NAME/" \
        "$host:$ROOT/snapshots/$NAME/"
    # switch atomically: a new link renamed over the old one (never rename a
    # folder over a non-empty folder: that is not atomic)
    ssh "$host" "ln -sfn '$ROOT/snapshots/$NAME' '$ROOT/current.tmp' \
        && mv -T '$ROOT/current.tmp' '$ROOT/current' \
        && ls -1d '$ROOT'/snapshots/*/ | head -n -$KEEP | xargs -r rm -rf"
done
ls -1d "$ROOT"/snapshots/*/ | head -n -"$KEEP" | xargs -r rm -rf
