#!/usr/bin/env bash
# Starts the built app with nothing configured but a port and a bootstrap token, waits for /api/health,
# checks it reports the embedded database and executor, calls tRPC queries with the token (the executor has
# synced the app's functions), and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
work=$(mktemp -d)
token="slw_$(node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")"
cp -r .next dist db package.json public "$work/"
mkdir -p "$work/server/reference-model" && cp server/reference-model/models.yaml "$work/server/reference-model/"
ln -sfn "$PWD/node_modules" "$work/node_modules"
(cd "$work" && exec env -i PATH="$PATH" HOME="$work" PORT="$port" SLIPWAY_BOOTSTRAP_TOKEN="$token" NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 node dist/server.mjs >"$work/server.log" 2>&1) &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
  sleep 1
done
health=$(curl -fsS "http://127.0.0.1:$port/api/health") || { cat "$work/server.log"; exit 1; }
echo "health: $health"
echo "$health" | grep -q '"kind":"embedded","ok":true' || { echo "health does not report the embedded database" >&2; exit 1; }

echo "$health" | grep -q '"jobs":{"kind":"embedded"}' || { echo "health does not report the embedded executor" >&2; exit 1; }

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/trpc/users.me")
[ "$code" = "401" ] || { echo "unauthenticated tRPC call answered $code, expected 401" >&2; exit 1; }
me=$(curl -fsS -H "authorization: Bearer $token" "http://127.0.0.1:$port/api/trpc/users.list")
echo "$me" | grep -q 'admin@slipway.local' || { echo "tRPC users.list with the bootstrap token failed: $me" >&2; exit 1; }
services=$(curl -fsS -H "authorization: Bearer $token" "http://127.0.0.1:$port/api/trpc/services.list")
echo "$services" | grep -q '"name":"support-bot"' || { echo "the demo service was not seeded on the first embedded start: $services" >&2; exit 1; }
for _ in $(seq 1 20); do
  fns=$(curl -fsS -H "authorization: Bearer $token" "http://127.0.0.1:$port/api/trpc/executor.functions")
  echo "$fns" | grep -q '"id":"slipway-ping"' && break
  sleep 0.5
done
echo "$fns" | grep -q '"id":"slipway-ping"' || { echo "the embedded executor did not sync the app's functions: $fns" >&2; cat "$work/server.log"; exit 1; }
# The demo answers through the gateway with no configuration: the default outbound policy refuses loopback but
# allows the reference model server the app started itself.
created=$(curl -fsS -H "authorization: Bearer $token" -H 'content-type: application/json' -d '{"json":{"service":"support-bot","name":"smoke"}}' "http://127.0.0.1:$port/api/trpc/gatewayKeys.create")
gwkey=$(echo "$created" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).result.data.json.key))")
answered=""
for _ in $(seq 1 5); do
  code=$(curl -s -o "$work/answer.json" -w '%{http_code}' -H "authorization: Bearer $gwkey" -H 'content-type: application/json' \
    -d '{"model":"support-bot","messages":[{"role":"user","content":"Where is my invoice?"}]}' "http://127.0.0.1:$port/gw/support-bot/production/v1/chat/completions")
  # The demo's model injects a small share of 503s on purpose; anything else is a failure.
  if [ "$code" = "200" ] && grep -q '"choices"' "$work/answer.json"; then answered=1; break; fi
  [ "$code" = "503" ] || break
  sleep 0.5
done
[ -n "$answered" ] || { echo "the demo did not answer through the gateway (HTTP $code): $(cat "$work/answer.json")" >&2; cat "$work/server.log"; exit 1; }
[ -f "$work/.slipway/inngest-signing-key" ] || { echo "no signing key generated in the data folder" >&2; exit 1; }
grep -q 'Password:' "$work/server.log" || { echo "no generated admin password was printed" >&2; exit 1; }
[ -d "$work/.slipway/pglite" ] || { echo "no embedded database in the default data folder" >&2; exit 1; }
echo "smoke test passed: embedded database, demo seeded and answering through the gateway, 401 without a token, tRPC with the bootstrap token, functions synced by the embedded executor"
