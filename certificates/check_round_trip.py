"""A public check in one Redis round trip: the throttle, the cached answer and the check record.

A check by QR link or by name and number used to make two round trips to Redis: one pipeline
to count the throttle and read the cached answer, then an RPUSH of the check record, whose
outcome was known only once the answer was read. On the busiest pages each round trip costs the
portal and Redis a wake-up each. Here one Lua script (atomic, run inside Redis) does what the
two did, in the same order and with the same limits (decisions 0075, 0076, 0091, 0175):

1. counts this check against its address (the QR link on its own counter) and refuses it if
   over the limit; reads the failed-check counters of the number, from this network and in
   total, and refuses it if either is at its limit; a refused check is recorded as throttled;
2. reads the cached answer (public_cache.py). A miss (nothing kept, a tombstone, an entry it
   cannot read) returns at once with nothing recorded: the caller looks the certificate up in
   PostgreSQL, keeps it, and records the check itself, as before;
3. otherwise decides match or no match: the QR link matches any kept certificate; a check by
   name and number matches only if the typed name, normalised by the caller, equals the name
   kept normalised in the entry's header; a no match by name and number counts one failed check
   of the number, in total and from this network;
4. appends the check record to the buffer the beat task flushes (check_buffer.py): the head the
   caller made (key, method, number, address, time) and the outcome and certificate.

Only used when the cache is Redis; any other backend, or Redis failing, takes the services'
portable path, which does the same in several steps.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from redis.exceptions import NoScriptError

from . import check_buffer, public_cache, throttles
from .models import CertificateCheck

logger = logging.getLogger(__name__)

# The outcome names and the cache's markers are written into the script; the limits, and which
# optional keys are present, travel as ARGV[2] to ARGV[10].
_LUA = r"""
local head, typed = ARGV[1], ARGV[11]
local by_name = typed ~= nil
local addr_allowed, addr_window = tonumber(ARGV[2]), tonumber(ARGV[3])
local net_allowed, net_window = tonumber(ARGV[4]), tonumber(ARGV[5])
local total_allowed, total_window = tonumber(ARGV[6]), tonumber(ARGV[7])
local throttled, match, no_match = '@THROTTLED@', '@MATCH@', '@NO_MATCH@'
local none, certificate = '@NONE@', '@CERTIFICATE@'
local buffer, answer = KEYS[1], KEYS[2]
local n = 3
local function optional(present)
  if present ~= '1' then return nil end
  n = n + 1
  return KEYS[n - 1]
end
local addr, total, net = optional(ARGV[8]), optional(ARGV[9]), optional(ARGV[10])

local function record(outcome, id)
  redis.call('rpush', buffer, head .. ',"o":"' .. outcome .. '","c":' .. (id or 'null') .. '}')
end
-- A counter's window starts with its first count (as SET NX EX then INCR does in throttles.py).
local function count(key, window)
  local counted = redis.call('incr', key)
  if counted == 1 then redis.call('expire', key, window) end
  return counted
end

if addr and count(addr, addr_window) > addr_allowed then
  record(throttled, nil)
  return {'throttled', 'address'}
end
if net and tonumber(redis.call('get', net) or '0') >= net_allowed then
  record(throttled, nil)
  return {'throttled', 'number'}
end
if total and tonumber(redis.call('get', total) or '0') >= total_allowed then
  record(throttled, nil)
  return {'throttled', 'number_total'}
end

local raw = false
if answer ~= '' then
  raw = redis.call('get', answer)
  if not raw or (raw ~= none and string.sub(raw, 1, 1) ~= certificate) then
    return {'miss', '', raw}
  end
end
local id, name = nil, nil
if raw and raw ~= none then
  id, name = string.match(raw, '^' .. certificate .. '(%d+)\n([^\n]*)\n')
  if not id then return {'miss', '', raw} end
end
if id and (not by_name or (typed ~= '' and typed == name)) then
  record(match, id)
  return {'match', '', raw}
end
if total then count(total, total_window) end
if net then count(net, net_window) end
record(no_match, nil)
return {'no_match', ''}
"""
_SCRIPT = (
    _LUA.replace("@THROTTLED@", CertificateCheck.Outcome.THROTTLED.value)
    .replace("@NO_MATCH@", CertificateCheck.Outcome.NO_MATCH.value)
    .replace("@MATCH@", CertificateCheck.Outcome.MATCH.value)
    .replace("@NONE@", public_cache.NONE.decode())
    .replace("@CERTIFICATE@", public_cache.CERTIFICATE.decode())
)


@dataclass(frozen=True)
class Trip:
    """What the script did. `outcome` "miss": counted, not answered and not recorded."""

    outcome: str
    throttled: throttles.Throttled | None = None
    raw: bytes | None = None

    @property
    def answer(self) -> public_cache.Cached:
        return public_cache.decode(self.raw)


_registered: list[Any] = []


def _script(client: Any) -> Any:
    """The script as redis-py knows it: its SHA1, and how to load it into Redis."""
    if not _registered:
        _registered.append(client.register_script(_SCRIPT))
    return _registered[0]


class _OwnConnection(threading.local):
    """Each thread's own connection to the cache's Redis, kept for the check's one command."""

    connection: Any = None
    pool: Any = None
    pid = 0


_own = _OwnConnection()


def _run_script(client: Any, keys: list[str], arguments: list[str]) -> Any:
    """EVALSHA on this thread's own connection to the Redis behind `client` (decision 0182).

    Through the client, each command borrows a connection from the pool (a lock, a poll of the
    socket for unread data, metrics) and hands it back: about half the portal's own CPU time of
    the round trip. The check sends one command and reads its whole reply, so a connection of
    its own, made with the pool's settings, needs none of that. A connection that fails in any
    way is closed and dropped (the next check makes a new one), and the error goes to the caller,
    which checks step by step. A Redis that lost the script (a restart) gets it loaded again.
    """
    script = _script(client)
    connection, pool = _own.connection, client.connection_pool
    # A new thread, a forked worker, or a cache set up anew (another Redis, say).
    if connection is None or _own.pid != os.getpid() or _own.pool is not pool:
        if connection is not None and _own.pid == os.getpid():
            connection.disconnect()
        connection = pool.connection_class(**pool.connection_kwargs)
        _own.connection, _own.pool, _own.pid = connection, pool, os.getpid()
    command = connection.pack_command("EVALSHA", script.sha, len(keys), *keys, *arguments)
    try:
        try:
            connection.send_packed_command(command, check_health=False)
            return connection.read_response()
        except NoScriptError:
            client.script_load(_SCRIPT)
            connection.send_packed_command(command, check_health=False)
            return connection.read_response()
    except BaseException:
        connection.disconnect()
        _own.connection = None
        raise


def check_in_one_round_trip(
    *,
    method: str,
    client_address: str | None,
    answer_key: str,
    number: str | None = None,
    typed_name_key: str | None = None,
    by_token: bool = False,
) -> Trip | None:
    """Throttle, answer and record one check in one Redis round trip; None if Redis cannot.

    `number` and `typed_name_key` for a check by name and number (the canonical number and
    `learner_name_key` of the typed name); `answer_key` "" when there is nothing to look up
    (a malformed QR token: no match).
    """
    client = throttles._redis_client()
    if client is None:
        return None
    address_limit = throttles._limit(
        "CERTIFICATE_CHECK_LIMIT_PER_ADDRESS", throttles.DEFAULT_PER_ADDRESS
    )
    network_limit = throttles._limit(
        "CERTIFICATE_CHECK_LIMIT_PER_NUMBER", throttles.DEFAULT_PER_NUMBER
    )
    total_limit = throttles._limit(
        "CERTIFICATE_CHECK_LIMIT_PER_NUMBER_TOTAL", throttles.DEFAULT_PER_NUMBER_TOTAL
    )
    # Keys made as throttles.py and check_buffer.py make them, without the memcached warnings.
    make_key = cache.make_key  # the backend's own method, looked up through the proxy once
    keys = [make_key(check_buffer.BUFFER), answer_key]
    present = []
    if client_address:
        counter = "qr-addr" if by_token else "addr"
        keys.append(make_key(f"crt-check:{counter}:{client_address}"))
    present.append(bool(client_address))
    number_keys = throttles._number_keys(number, client_address)  # total, then this network
    keys.extend(make_key(key) for key in number_keys)
    present.extend((len(number_keys) >= 1, len(number_keys) == 2))
    head = check_buffer.check_entry_head(
        method=method, client_address=client_address, number_tried=number or ""
    )
    limits = (*address_limit, *network_limit, *total_limit, *(int(flag) for flag in present))
    arguments = [head, *(str(value) for value in limits)]
    if typed_name_key is not None:
        arguments.append(typed_name_key)
    try:
        reply = _run_script(client, keys, arguments)
    except Exception:  # Redis down or unreachable: the portable path records the check
        logger.warning("public check round trip unavailable; checking step by step", exc_info=True)
        return None
    outcome, scope = reply[0].decode(), reply[1].decode()
    if outcome == "throttled":
        window = {"address": address_limit, "number": network_limit}.get(scope, total_limit)[1]
        return Trip(outcome, throttled=throttles.Throttled(scope=scope, retry_after_seconds=window))
    return Trip(outcome, raw=reply[2] if len(reply) > 2 else None)
