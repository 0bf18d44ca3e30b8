"""The global rate limit per channel: a token bucket, in Redis when there is one (shared by
every worker), else in the process."""

import time

import pytest

from communications.ratelimit import RateLimiter
from tests.clac.conftest import redis_url  # noqa: F401 - fixture


def take(limiter: RateLimiter, channel: str, count: int) -> float:
    """Seconds it takes to be granted `count` tokens, asked 10 at a time."""
    start = time.monotonic()
    granted = 0
    while granted < count:
        granted += limiter.acquire(channel, min(10, count - granted))
    return time.monotonic() - start


def test_the_local_bucket_lets_a_second_of_messages_through_then_holds_to_the_rate():
    limiter = RateLimiter(redis_url="", rates={"sms": 100})

    assert take(limiter, "sms", 100) < 0.2  # the bucket starts full: one second's worth
    assert 0.25 < take(limiter, "sms", 40) < 1.0  # then 100 per second


def test_a_channel_without_a_rate_is_not_limited():
    limiter = RateLimiter(redis_url="", rates={"email": 0})

    assert limiter.acquire("email", 500) == 500
    assert limiter.acquire("whatsapp", 7) == 7


@pytest.mark.integration
def test_the_redis_bucket_is_shared_by_every_limiter(redis_url):  # noqa: F811
    import redis

    redis.Redis.from_url(redis_url).delete("clac:outbox:rate:whatsapp")
    first = RateLimiter(redis_url=redis_url, rates={"whatsapp": 50})
    second = RateLimiter(redis_url=redis_url, rates={"whatsapp": 50})

    assert take(first, "whatsapp", 50) < 0.3  # the full bucket, taken by one worker
    assert take(second, "whatsapp", 20) > 0.3  # the other waits for the refill
