#!/usr/bin/env bash
# Install the pgvector extension into the local PostgreSQL 15 (Debian bookworm).
# Bookworm has no pgvector package, so build it from Debian trixie's source package.
# Idempotent: exits at once if the `vector` extension is already available.
set -euo pipefail

PG_MAJOR=15
PGHOST_ADDR=127.0.0.1
PSQL=(psql -h "$PGHOST_ADDR" -U postgres -d test -v ON_ERROR_STOP=1 -tA)

log() { echo "[install-pgvector] $*"; }

ensure_postgres() {
  pg_isready -h "$PGHOST_ADDR" -q && return 0
  log "PostgreSQL not answering; starting cluster $PG_MAJOR/main"
  pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" main start || true
  for _ in $(seq 1 30); do
    pg_isready -h "$PGHOST_ADDR" -q && { log "PostgreSQL is up"; return 0; }
    sleep 1
  done
  log "PostgreSQL did not come up" >&2
  return 1
}

vector_available() {
  [ "$("${PSQL[@]}" -c "select 1 from pg_available_extensions where name='vector'")" = 1 ]
}

ensure_postgres
if vector_available; then
  log "pgvector already available in PostgreSQL; nothing to do"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log "installing build dependencies"
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  "postgresql-server-dev-$PG_MAJOR" dpkg-dev build-essential ca-certificates >/dev/null
ensure_postgres   # installing server-dev may upgrade and stop the server

# Reuse the mirror host the machine already uses; default to deb.debian.org.
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
           grep -v '^[[:space:]]*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$work/trixie.list"
APT_OPTS=(-o "Dir::Etc::SourceList=$work/trixie.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$work/lists" -o APT::Sandbox::User=root)

log "fetching pgvector source from trixie ($mirror)"
apt-get "${APT_OPTS[@]}" update -qq
(cd "$work" && apt-get "${APT_OPTS[@]}" source -qq pgvector >/dev/null)
src=$(find "$work" -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
[ -n "$src" ] || { log "pgvector source not found" >&2; exit 1; }

log "building $(basename "$src") against PostgreSQL $PG_MAJOR"
start=$SECONDS
export PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"
make -C "$src" -s -j"$(nproc)" >/dev/null
make -C "$src" -s install >/dev/null
log "built and installed in $((SECONDS - start))s"

ensure_postgres
"${PSQL[@]}" -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
log "verify: '[1,2,3]' <-> '[1,2,4]' = $("${PSQL[@]}" -c "select '[1,2,3]'::vector <-> '[1,2,4]'::vector")"
log "pgvector $("${PSQL[@]}" -c "select extversion from pg_extension where extname='vector'") installed"
