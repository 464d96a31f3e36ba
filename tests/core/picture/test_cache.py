"""The cache of pictures: least recently used out first, within its bytes and its number."""

from __future__ import annotations

from bot.core.picture.cache import PictureCache


def test_a_picture_is_found_again_and_counted_as_a_hit() -> None:
    cache: PictureCache[str] = PictureCache(max_bytes=100, max_entries=10)

    cache.put("trump", b"x" * 10)

    assert cache.get("trump") == b"x" * 10
    assert cache.get("rubio") is None
    assert (cache.hits, cache.misses, cache.bytes, len(cache)) == (1, 1, 10, 1)


def test_past_its_bytes_the_least_recently_used_go_first() -> None:
    cache: PictureCache[str] = PictureCache(max_bytes=30, max_entries=10)
    for key in "abc":
        cache.put(key, b"x" * 10)
    cache.get("a")  # "b" is now the least recently used

    cache.put("d", b"x" * 10)

    assert [key for key in "abcd" if cache.get(key) is not None] == ["a", "c", "d"]
    assert cache.bytes == 30


def test_past_its_number_the_least_recently_used_go_first() -> None:
    cache: PictureCache[int] = PictureCache(max_bytes=1000, max_entries=2)
    for key in range(3):
        cache.put(key, b"x")

    assert [key for key in range(3) if cache.get(key) is not None] == [1, 2]


def test_a_picture_larger_than_the_bound_is_not_kept_and_evicts_nothing() -> None:
    cache: PictureCache[str] = PictureCache(max_bytes=10, max_entries=10)
    cache.put("small", b"x" * 5)

    cache.put("huge", b"x" * 11)

    assert cache.get("huge") is None and cache.get("small") == b"x" * 5


def test_a_picture_put_again_is_counted_once_and_clear_empties_it() -> None:
    cache: PictureCache[str] = PictureCache(max_bytes=100, max_entries=10)
    cache.put("a", b"x" * 10)
    cache.put("a", b"x" * 20)

    assert cache.bytes == 20 and len(cache) == 1
    cache.clear()
    assert cache.bytes == 0 and len(cache) == 0 and cache.get("a") is None
