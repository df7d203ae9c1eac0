"""Clusters of similar complaints: cases with much the same words are grouped, on real registrations,
within the actor's scope."""

import datetime as dt

import pytest
from test_insight_pages import GRID_S1, GRID_S2, NOV, at, login, register

from zhili.insight import clusters as cl
from zhili.insight import figures as fg
from zhili.insight import views

pytestmark = pytest.mark.django_db

NOISE = ["工地夜间施工噪音扰民影响休息", "夜间工地施工噪音太大扰民", "工地施工噪音夜间扰民无法休息", "工地夜间施工噪音严重扰民"]
HEAT = ["小区暖气不热室内温度低", "暖气不热家里温度太低", "小区暖气温度低不热"]
OTHER = ["楼道堆放杂物存在消防隐患", "路灯损坏晚上出行不便"]


def doc(i, words):
    return cl.Doc(f"KW2026-{i:06d}", "", "370705001", dt.datetime(2026, 11, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
                  frozenset(words.split()))


def test_cases_with_the_same_words_cluster_and_loners_do_not():
    docs = [doc(1, "工地 噪音 夜间 扰民"), doc(2, "工地 噪音 夜间 施工"), doc(3, "噪音 夜间 扰民 施工"),
            doc(4, "暖气 不热 温度"), doc(5, "暖气 不热 温度 小区"), doc(6, "暖气 温度 不热"),
            doc(7, "路灯 损坏"), doc(8, "工地 暖气")]
    found = cl.cluster(docs, similarity=0.5, min_size=3)
    # the same size: the newer cluster first
    assert [sorted(d.number[-1] for d in c.members) for c in found] == [["4", "5", "6"], ["1", "2", "3"]]
    assert set(found[1].keywords(2)) <= {"噪音", "夜间", "工地", "扰民", "施工"}
    # below the size, nothing
    assert cl.cluster(docs[:2] + docs[6:], min_size=3) == []


def test_a_clusters_keywords_are_its_own_words_not_the_samples_common_ones():
    """小区 and 问题 are in nearly every complaint: the keywords that name a cluster are the words
    frequent in it and rare elsewhere (they used to be the most frequent, so 小区 · 问题 named many)."""
    common = "小区 问题 反映"
    docs = [doc(i, f"{common} 工地 噪音 {extra}") for i, extra in enumerate(["夜间", "扰民", "施工", "夜间"], 1)]
    docs += [doc(10 + i, f"{common} {w}") for i, w in enumerate(["暖气", "路灯", "停车", "漏水", "垃圾", "暖气", "路灯", "停车"])]
    found = cl.cluster(docs, similarity=0.35, min_size=3)
    noise = next(c for c in found if any(d.number.endswith("000001") for d in c.members))
    assert noise.keywords(2) == ["噪音", "工地"]
    assert not {"小区", "问题", "反映"} & set(noise.keywords(3))


def test_the_page_shows_clusters_of_the_actors_cases(client, staff, categories):
    for i, text in enumerate(NOISE):
        register(staff, categories["neighbour"], at(11, 2 + i), description=text, title=text)
    for i, text in enumerate(HEAT):
        register(staff, categories["leak"], at(11, 3 + i), grid=GRID_S2, lon=119.145, lat=36.705, description=text, title=text)
    for i, text in enumerate(OTHER):
        register(staff, categories["leak"], at(11, 10 + i), description=text, title=text)
    leader = fg.Filter(staff["leader"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    table = views.table_clusters(leader)
    assert [row[1] for row in table.rows] == [4, 3]
    assert "噪音" in table.rows[0][0] and "暖气" in table.rows[1][0]
    assert table.rows[0][2] == "东关街道" and table.rows[1][2] == "大虞街道"
    assert "最近的 9 件" in table.note
    # a street user: only its street's cluster
    street = views.table_clusters(fg.Filter(staff["street"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30)))
    assert [row[1] for row in street.rows] == [4]
    # on the page, under the filter; a category filter narrows the sample
    login(client, staff["leader"])
    html = client.get(f"/insight/?{NOV}").content.decode()
    assert "相似诉求聚类" in html and "大虞街道" in html
    r = client.get(f"/insight/?{NOV}&category={categories['leak'].code}")
    assert [row[1] for row in r.context["tables"]["clusters"].rows] == [3]
    assert GRID_S1  # (imported for the helpers' default grid)
