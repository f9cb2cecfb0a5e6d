#!/usr/bin/env bash
# Start the local services the hub and its tests use, if they are not running yet:
# Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432. Installs them with apt when missing
# (Debian/Ubuntu, as root). Safe to run again and again.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else "$@"; fi; }
apt_install() {
  if have apt-get; then
    as_root apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
  else
    echo "services: please install $* with your package manager" >&2
    return 1
  fi
}

redis_up() { have redis-cli && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_up; then
  have redis-server || apt_install redis-server
  mkdir -p /tmp/hub-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/hub-redis --logfile /tmp/hub-redis/redis.log
  for _ in $(seq 50); do redis_up && break; sleep 0.1; done
  redis_up || { echo "services: Redis did not start (see /tmp/hub-redis/redis.log)" >&2; exit 1; }
fi
echo "services: Redis ready on 127.0.0.1:6379"

pg_up() { have pg_isready && pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_up; then
  have pg_ctlcluster || apt_install postgresql
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  if [ -z "$version" ]; then echo "services: no PostgreSQL cluster found" >&2; exit 1; fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 100); do pg_up && break; sleep 0.1; done
  pg_up || { echo "services: PostgreSQL did not start" >&2; exit 1; }
fi
# The tests connect as "postgres" over TCP; make sure that works without a password.
if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
  echo "services: cannot connect to PostgreSQL as postgres@127.0.0.1 without a password;" \
       "set HUB_TEST_POSTGRES_URL to a URL that works" >&2
fi
echo "services: PostgreSQL ready on 127.0.0.1:5432"
