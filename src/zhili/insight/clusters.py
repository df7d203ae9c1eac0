"""Clusters of similar complaints (相似诉求聚类): cases whose words are much the same, found among the
most recent cases of a filter — a burst of complaints about one construction site, one building's
heating, one employer's unpaid wages shows up here before any category figure moves.

The words are the jieba tokens kept on each case (``Case.search_text``, made at registration),
each weighted by how rare it is in the sample (idf): words most cases have (小区, 问题 …) count for
little, and a word no other case of the sample has is left out (it links nothing). Then leader clustering: the cases newest first, each joins the cluster whose first case is
most like it (weighted Jaccard similarity ≥ :data:`SIMILARITY`, the candidates found through an index
of the clusters' words), or starts a new one. Clusters of at least :data:`MIN_SIZE` cases are shown, largest first, with their commonest
words.

Bounded by design: the sample is the :data:`SAMPLE` most recent cases of the filter (an indexed read,
newest first), not the whole period — a year of a city is millions of cases.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from zhili.core.calendar import SHANGHAI

#: how many of the filter's most recent cases are clustered
SAMPLE = 2000
#: weighted Jaccard similarity of the words at which a case joins a cluster (as the intake's duplicate hint)
SIMILARITY = 0.35
#: the smallest cluster shown
MIN_SIZE = 3


@dataclass
class Doc:
    number: str
    title: str
    street: str
    created_at: dt.datetime
    words: frozenset[str]


@dataclass
class Cluster:
    leader: frozenset[str]
    members: list[Doc] = field(default_factory=list)
    #: how rare each word is in the sample the cluster was found in (idf; empty: every word counts 1)
    idf: dict[str, float] = field(default_factory=dict, repr=False)

    def keywords(self, n: int = 4) -> list[str]:
        """The words that say what the cluster is about: frequent in its cases *and* rare in the sample
        (count × idf), so that 工地 and 噪音 come before 小区 and 问题, which every cluster has."""
        counts = Counter(w for d in self.members for w in d.words)
        score = {w: c * self.idf.get(w, 1.0) for w, c in counts.items()}
        return [w for w, _s in sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]

    @property
    def first(self) -> dt.datetime:
        return min(d.created_at for d in self.members)

    @property
    def last(self) -> dt.datetime:
        return max(d.created_at for d in self.members)


def cluster(docs: list[Doc], similarity: float = SIMILARITY, min_size: int = MIN_SIZE) -> list[Cluster]:
    """Leader clustering of ``docs`` (newest first); clusters of at least ``min_size``, largest first.

    Similarity is Jaccard weighted by how rare a word is in the sample (idf, log((N + 1) / df)): two
    cases sharing 噪音 and 工地 are closer than two sharing 小区 and 问题."""
    import math

    df = Counter(w for d in docs for w in d.words)
    total = len(docs)
    idf = {w: math.log((total + 1) / n) for w, n in df.items()}
    clusters: list[Cluster] = []
    weight: list[float] = []  # each cluster's leader: the idf of its words added up
    index: dict[str, list[int]] = defaultdict(list)
    for d in docs:
        # a word no other case of the sample has links nothing (and would only dilute the similarity)
        words = d.words = frozenset(w for w in d.words if df[w] >= 2)
        if not words:
            continue
        mine = sum(idf[w] for w in words)
        shared: dict[int, float] = defaultdict(float)  # cluster → idf of the words it shares with d
        for w in words:
            for c in index.get(w, ()):
                shared[c] += idf[w]
        best, best_sim = None, 0.0
        for c, both in shared.items():
            union = mine + weight[c] - both
            sim = both / union if union else 0.0
            if sim > best_sim or (sim == best_sim and best is not None and c < best):
                best, best_sim = c, sim
        if best is not None and best_sim >= similarity:
            clusters[best].members.append(d)
            continue
        clusters.append(Cluster(words, [d], idf))
        weight.append(mine)
        for w in words:
            index[w].append(len(clusters) - 1)
    out = [c for c in clusters if len(c.members) >= min_size]
    return sorted(out, key=lambda c: (-len(c.members), -c.last.timestamp()))


def recent_clusters(cases, limit: int = 10) -> tuple[list[Cluster], int]:
    """The clusters among the :data:`SAMPLE` most recent of ``cases`` (a queryset already scoped and
    filtered), and how many cases the sample held."""
    rows = cases.order_by("-created_at", "-id").values_list("number", "title", "region_code", "created_at",
                                                            "search_text")[:SAMPLE]
    docs = [Doc(number, title, code[:9], created.astimezone(SHANGHAI), frozenset((text or "").split()))
            for number, title, code, created, text in rows]
    return cluster(docs)[:limit], len(docs)
