#!/usr/bin/env bash
# Starts the fake Airbyte API on a free loopback port and runs
# `cloudcfg check` and `cloudcfg token` against it, with both API root
# shapes, so the whole path from configuration to authenticated request
# can be seen working. Run it with `make demo`.
set -euo pipefail

bin=${1:-bin}
out=$(mktemp)
trap 'exec 3>&-; rm -f "$out"' EXIT

# The fake stops when its standard input, fd 3 here, is closed.
exec 3> >("$bin/fakeairbyte" >"$out")
for _ in $(seq 100); do
  grep -q '^AIRBYTE_CLOUD_CLIENT_SECRET=' "$out" 2>/dev/null && break
  sleep 0.05
done
cat "$out"
set -a
# shellcheck disable=SC1090
. <(grep -v '^#' "$out")
set +a
root=$AIRBYTE_CLOUD_API_URL
self_managed=$(sed -n 's/^# self-managed root: //p' "$out")

echo
echo "\$ cloudcfg check        # client credentials, Cloud-style root"
"$bin/cloudcfg" check
echo
echo "\$ cloudcfg check        # the self-managed root, with a trailing slash"
AIRBYTE_CLOUD_API_URL=$self_managed/ "$bin/cloudcfg" check
echo
echo "\$ cloudcfg token | cut -c1-10"
"$bin/cloudcfg" token | cut -c1-10
echo
echo "\$ cloudcfg check        # a wrong secret: exit 1"
AIRBYTE_CLOUD_CLIENT_SECRET=wrong "$bin/cloudcfg" check || echo "exit $?"
echo "(api root $root)"
