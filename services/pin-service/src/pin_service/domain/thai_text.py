"""Thai has no spaces between words: segment it (pythainlp, newmm dictionary) so a search engine that
splits on spaces sees words. The same segmentation runs at index time and at query time.

The dictionary holds compounds (ที่ว่าการอำเภอ), so an index would miss a search for one of their parts
(อำเภอ). At index time each compound is also split into its own dictionary words.
"""

import re
from functools import cache, lru_cache

from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_tokenize
from pythainlp.util import Trie

_SPACE = re.compile(r"\s+")
_THAI = re.compile(r"[\u0E00-\u0E7F]")
_SHORTEST_COMPOUND = 4


@cache
def _dictionary() -> Trie:
    return Trie(thai_words())


@lru_cache(maxsize=50_000)
def segment(text: str) -> str:
    """Thai runs split into words; everything else (codes, English) left as the user wrote it."""
    words = []
    for chunk in text.split():
        if _THAI.search(chunk):
            words.extend(w for w in word_tokenize(chunk, engine="newmm", keep_whitespace=False) if w.strip())
        else:
            words.append(chunk)
    return _SPACE.sub(" ", " ".join(words)).strip()


@lru_cache(maxsize=50_000)
def parts_of_compound(word: str) -> list[str]:
    """Longest dictionary words inside a compound, left to right; empty when it has none."""
    if len(word) < _SHORTEST_COMPOUND or not _THAI.search(word):
        return []
    dictionary, parts, start = _dictionary(), [], 0
    while start < len(word):
        candidates = [p for p in dictionary.prefixes(word[start:]) if len(p) < len(word)]
        if not candidates:
            start += 1
            continue
        longest = max(candidates, key=len)
        parts.append(longest)
        start += len(longest)
    return parts if len(parts) > 1 else []


def index_text(*texts: str | None) -> str:
    """What to index: the segmented words, and after each compound its parts."""
    words = []
    for text in texts:
        if not text:
            continue
        for word in segment(text).split(" "):
            words.append(word)
            words.extend(parts_of_compound(word))
    return " ".join(words)
