#!/usr/bin/env bash
# Make sure a PostgreSQL server answers for the test suite, installing and starting one from
# Debian's packages when nothing does. Prints the URL the tests should use on stdout (and
# nothing else); everything else goes to stderr. Exit 1, with the reason, if no server can
# be had: the PostgreSQL variants of the tests are then skipped and say why.
#
#   PYTHON                            interpreter with psycopg (default: .venv/bin/python)
#   WELFARE_MATCH_TEST_POSTGRES_URL   server to try first (default: postgres@127.0.0.1:5432/test)
set -u
PYTHON=${PYTHON:-.venv/bin/python}
FIRST=${WELFARE_MATCH_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}
OWN=postgresql://welfare_match:welfare_match@127.0.0.1:5432/welfare_match_test

say() { echo "[ensure-postgres] $*" >&2; }

answers() {  # can we log in with this URL?
    "$PYTHON" - "$1" <<'PY' 2>/dev/null
import sys
import psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}

as_postgres() {  # run a command as the postgres OS user
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

for url in "$FIRST" "$OWN"; do
    if answers "$url"; then echo "$url"; exit 0; fi
done

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && as_root true 2>/dev/null; then
        say "no PostgreSQL server answers and none is installed: installing Debian's postgresql package"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 \
            || { as_root apt-get update -q >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; } \
            || { say "could not install postgresql with apt-get: PostgreSQL tests will be SKIPPED"; exit 1; }
    else
        say "no PostgreSQL server answers, none is installed, and apt-get/root is not available: PostgreSQL tests will be SKIPPED"
        exit 1
    fi
fi

version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
if [ -z "$version" ]; then
    say "postgresql is installed but has no cluster: PostgreSQL tests will be SKIPPED"
    exit 1
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "starting the PostgreSQL $version cluster"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 \
        || { say "could not start PostgreSQL $version: PostgreSQL tests will be SKIPPED"; exit 1; }
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

for url in "$FIRST" "$OWN"; do
    if answers "$url"; then echo "$url"; exit 0; fi
done

# The server runs but refuses us (Debian's default: password auth on TCP). Create the
# project's own role and database, with CREATEDB because each test session makes its own.
say "creating the welfare_match role and database for the tests"
as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres >&2 <<'SQL' || true
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'welfare_match') THEN
    CREATE ROLE welfare_match LOGIN CREATEDB PASSWORD 'welfare_match';
  END IF;
END $$;
SQL
as_postgres psql -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'welfare_match_test'" | grep -q 1 \
    || as_postgres createdb -O welfare_match welfare_match_test >&2 || true
if answers "$OWN"; then echo "$OWN"; exit 0; fi
say "PostgreSQL runs but the tests cannot log in: PostgreSQL tests will be SKIPPED"
exit 1
