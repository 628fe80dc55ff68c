"""Django's Redis cache, answering as a miss when Redis cannot be reached.

Rollout's cache only saves work (the portfolio's figures, an import's live progress), so a Redis
that is down or full must cost a recomputation, never an error page. Every call that fails to
connect, times out or is refused for want of memory is logged and answered as a miss: `get`
returns the default, `set`, `add`, `delete` and `touch` do nothing, `incr` raises ValueError as
for a missing key.

After a failure the cache leaves that Redis alone for RETRY_AFTER seconds and answers misses at
once: a Redis that hangs rather than refuses then costs one socket timeout per process, not one
per cache call (a page makes several). Configured in config/settings.py when REDIS_URL is set;
the drill in tests/test_failure_drills.py stops Redis under signed-in users.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

log = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds
_down_until = {}  # servers -> time.monotonic() before which calls answer a miss without trying


def _missing_key(key, delta):
    raise ValueError(f"Key '{key}' not found (the cache is unavailable).")


def _miss(answer):
    """Run the Redis call; if Redis is unreachable, log it and return `answer(*args)` instead."""

    def decorate(method):
        @functools.wraps(method)
        def call(self, *args):
            servers = tuple(self._servers)
            if time.monotonic() < _down_until.get(servers, 0):
                return answer(*args)
            try:
                return method(self, *args)
            except self._lib.OutOfMemoryError as error:
                # A full Redis (maxmemory with noeviction, as docs/operations.md asks) refuses
                # writes, not reads: this write is skipped, the next calls try again.
                log.warning("The cache is full (%s); answering as a miss.", error)
                return answer(*args)
            except (self._lib.ConnectionError, self._lib.TimeoutError) as error:
                _down_until[servers] = time.monotonic() + RETRY_AFTER
                log.warning(
                    "The cache is unavailable (%s: %s); answering misses for %g seconds.",
                    type(error).__name__,
                    error,
                    RETRY_AFTER,
                )
                return answer(*args)

        return call

    return decorate


class DegradingRedisCacheClient(RedisCacheClient):
    add = _miss(lambda key, value, timeout: False)(RedisCacheClient.add)
    get = _miss(lambda key, default: default)(RedisCacheClient.get)
    set = _miss(lambda key, value, timeout: None)(RedisCacheClient.set)
    touch = _miss(lambda key, timeout: False)(RedisCacheClient.touch)
    delete = _miss(lambda key: False)(RedisCacheClient.delete)
    get_many = _miss(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _miss(lambda key: False)(RedisCacheClient.has_key)
    incr = _miss(_missing_key)(RedisCacheClient.incr)
    set_many = _miss(lambda data, timeout: None)(RedisCacheClient.set_many)
    delete_many = _miss(lambda keys: None)(RedisCacheClient.delete_many)
    # clear() is left to fail loudly: it is an operator's command, never part of a request.

    def get_client(self, key=None, *, write=False):
        """One redis-py client per connection pool, instead of Django's new client per call (each
        builds a table of some 80 reply handlers: a tenth of a cached page's time). A client is
        safe to share between threads: each command takes a connection from the pool."""
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        if pool not in clients:
            clients[pool] = self._client(connection_pool=pool)
        return clients[pool]


class DegradingRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` that degrades to a miss (module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = DegradingRedisCacheClient
