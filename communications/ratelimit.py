"""The global rate limit per channel: a token bucket shared by every worker, kept in Redis
(one Lua script call hands out up to `wanted` tokens atomically). Without Redis (the demo, unit
tests) the bucket lives in the process. Rates come from settings.OUTBOX_RATE_LIMITS
(messages per second; 0 = no limit); the bucket holds one second's worth, so a burst after a
pause is at most one second of sending."""

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

TOKEN_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
if now > at then tokens = math.min(burst, tokens + (now - at) * rate) end
local granted = math.min(wanted, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(math.max(now, at)))
redis.call('EXPIRE', KEYS[1], 3600)
return {granted, tostring((1 - tokens) / rate)}
"""  # noqa: S105 - a Lua script, not a password


@dataclass
class _LocalBucket:
    tokens: float
    at: float


class RateLimiter:
    """`acquire(channel, wanted)` blocks until at least one token is granted and returns how
    many (≤ wanted); the caller sends that many messages, then asks again."""

    def __init__(self, *, redis_url: str | None = None, rates: dict[str, float] | None = None) -> None:
        self.redis_url = settings.REDIS_URL if redis_url is None else redis_url
        self.rates = settings.OUTBOX_RATE_LIMITS if rates is None else rates
        self._script: Any = None
        self._local: dict[str, _LocalBucket] = {}
        self._lock = threading.Lock()

    def rate(self, channel: str) -> float:
        return float(self.rates.get(channel) or 0)

    def acquire(self, channel: str, wanted: int = 1) -> int:
        rate = self.rate(channel)
        if rate <= 0 or wanted <= 0:
            return wanted
        burst = max(1.0, rate)
        while True:
            granted, wait = self._take(channel, rate, burst, wanted)
            if granted:
                return granted
            time.sleep(min(max(wait, 0.001), 1.0))

    def _take(self, channel: str, rate: float, burst: float, wanted: int) -> tuple[int, float]:
        if self.redis_url:
            if self._script is None:
                import redis

                client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=5, socket_timeout=5)
                self._script = client.register_script(TOKEN_BUCKET_LUA)
            granted, wait = self._script(keys=[f"clac:outbox:rate:{channel}"], args=[rate, burst, time.time(), wanted])
            return int(granted), float(wait)
        with self._lock:
            now = time.monotonic()
            bucket = self._local.setdefault(channel, _LocalBucket(tokens=burst, at=now))
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            granted = min(wanted, int(bucket.tokens))
            bucket.tokens -= granted
            return granted, (1 - bucket.tokens) / rate


_limiter: RateLimiter | None = None


def rate_limiter() -> RateLimiter:
    """The process's limiter (one Redis connection per worker process)."""
    global _limiter
    if _limiter is None or _limiter.rates is not settings.OUTBOX_RATE_LIMITS:
        _limiter = RateLimiter()
    return _limiter
