"""A small BM25 index (Okapi, k1 = 1.2, b = 0.75) over token lists, with an inverted index so a query
costs only the postings of its words (a 2,000-entity home answers in well under a millisecond)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

K1 = 1.2
B = 0.75


class BM25:
    """Documents as token lists; `scores(query)` gives one score per document (0 when no word is shared)."""

    def __init__(self, docs: Sequence[Iterable[str]]) -> None:
        self._tf: list[Counter[str]] = [Counter(d) for d in docs]
        self._len = [sum(tf.values()) for tf in self._tf]
        self._avg = (sum(self._len) / len(self._len)) if self._len else 0.0
        self._postings: dict[str, list[int]] = {}
        for i, tf in enumerate(self._tf):
            for word in tf:
                self._postings.setdefault(word, []).append(i)
        n = len(self._tf)
        self._idf = {
            w: math.log(1.0 + (n - len(p) + 0.5) / (len(p) + 0.5)) for w, p in self._postings.items()
        }

    def __len__(self) -> int:
        return len(self._tf)

    def idf(self, word: str) -> float:
        """The word's idf (0 for a word no document has)."""
        return self._idf.get(word, 0.0)

    def scores(self, query: Iterable[str]) -> list[float]:
        """The BM25 score of every document for the distinct words of `query`."""
        out = [0.0] * len(self._tf)
        avg = self._avg or 1.0
        for word in set(query):
            idf = self._idf.get(word)
            if idf is None:
                continue
            for i in self._postings[word]:
                f = self._tf[i][word]
                out[i] += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * self._len[i] / avg))
        return out

    def normalised(self, query: Iterable[str]) -> list[float]:
        """Scores divided by the query's summed idf (about 1 for a document naming every query word)."""
        words = set(query)
        total = sum(self._idf.get(w, 0.0) for w in words)
        if total <= 0:
            return [0.0] * len(self._tf)
        return [s / total for s in self.scores(words)]
