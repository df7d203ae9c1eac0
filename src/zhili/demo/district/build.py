"""The demo: a synthetic but realistic Kuiwen district (奎文区, 370705) of Weifang (潍坊市).

Everything is generated from one seed (``random.Random``, never the global generator), so the
same seed gives the same regions, organisations, compounds, people and teams in any database.
Only the demo accounts' passwords (from :mod:`secrets`) and bookkeeping timestamps differ.

The figures follow the Kuiwen article (``shared/seed/``): 8 streets, 65 communities, 408 grids
with one full-time grid worker each, 15 departments stationed in the service hall, 18 windows,
67 property companies, 19 property service stations, 726 compounds, legal aid on four levels,
and a 1+2+N+X team per grid. Street names are real; street codes 370705001…008, community
names, all boundaries and all people are made up (demo data, ``is_demo=True``).

Boundaries tile the district exactly: each level is cut from the one above by straight,
slightly slanted guillotine cuts (like city blocks), every cut vertex is inserted into every
polygon whose edge it lies on, so neighbours share their edges vertex for vertex, grids lie
inside their community and communities inside their street.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

CITY_CODE, CITY_NAME = "370700000000", "潍坊市"
KUIWEN = "370705"
#: Kuiwen's box (lon0, lat0, lon1, lat1), WGS-84.
KUIWEN_BOX = (119.08, 36.66, 119.25, 36.76)
KUIWEN_STREETS = ["东关街道", "大虞街道", "梨园街道", "廿里堡街道", "潍州路街道", "北苑街道", "广文街道", "北海路街道"]

#: The districts of the city scale: code, name, kind, box, grids. Boxes are side by side (not the
#: real outlines); the gaps between them stand for the development zones Weifang manages apart.
CITY_DISTRICTS = [
    ("370702", "潍城区", "district", (119.00, 36.55, 119.08, 36.76), 420),
    ("370703", "寒亭区", "district", (119.00, 36.76, 119.35, 37.20), 380),
    ("370704", "坊子区", "district", (119.08, 36.40, 119.35, 36.66), 360),
    ("370705", "奎文区", "district", KUIWEN_BOX, 408),
    ("370724", "临朐县", "county", (118.50, 36.00, 118.95, 36.40), 420),
    ("370725", "昌乐县", "county", (118.80, 36.40, 119.00, 36.80), 330),
    ("370781", "青州市", "county", (118.50, 36.40, 118.80, 36.80), 470),
    ("370782", "诸城市", "county", (119.35, 36.00, 120.00, 36.40), 520),
    ("370783", "寿光市", "county", (118.50, 36.80, 119.00, 37.20), 500),
    ("370784", "安丘市", "county", (118.95, 36.00, 119.35, 36.40), 430),
    ("370785", "高密市", "county", (119.35, 36.40, 120.00, 36.76), 420),
    ("370786", "昌邑市", "county", (119.35, 36.76, 119.80, 37.20), 360),
]

N_COMMUNITIES, N_GRIDS, N_DEDICATED = 65, 408, 12
N_PROPERTY_COMPANIES, N_STATIONS, N_COMPOUNDS = 67, 19, 726
#: Fixed "joined" time of every demo account, so nothing depends on the clock.
DEMO_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

#: The demo accounts, one per role: username → role.
DEMO_ACCOUNTS = {
    "admin": "centre_admin", "clerk": "window_clerk", "handler": "dept_handler", "depthead": "dept_head",
    "street": "street_staff", "community": "community_staff", "instructor": "grid_instructor",
    "gridleader": "grid_leader", "gridworker": "grid_worker", "griddept": "grid_dept_staff",
    "volunteer": "grid_helper", "mediator": "mediator", "lawyer": "legal_aid_lawyer",
    "officer": "supervision_officer", "leader": "leader", "sysadmin": "sys_admin",
    "secadmin": "security_admin", "auditor": "audit_admin",
}

# -------------------------------------------------------------------------------------- names

SURNAMES = ("王王王张张张李李李刘刘陈杨赵赵孙孙徐马于于高郭宋林胡韩郑曹田董周吴朱"
            "黄何冯邓丁谭邱姜崔程袁潘蒋魏秦秦隋单葛耿")
GIVEN = ("建国军伟芳娜敏静丽强磊洋艳勇杰娟涛明超秀霞平刚桂英华玉兰红梅志新海波宁辉斌鹏飞"
         "雪琳晓燕丹颖倩玲凤云帅浩宇欣怡佳慧文博鑫晨阳淑珍秀荣德福庆春")
COMMUNITY_STEMS = [
    "文化路", "胜利东街", "健康东街", "福寿", "和平", "永安", "新华", "东风", "北宫", "鸢飞", "虞河",
    "白浪河", "十笏园", "樱园", "金宝", "四平", "民生", "青年路", "潍州", "奎文门", "广文", "北海",
    "梨园", "大虞", "廿里堡", "东关", "北苑", "志远", "育英", "幸福", "安顺", "新村", "宝通", "友爱",
    "春晖", "富华", "泰华", "向阳", "东盛", "南苑", "怡园", "锦绣", "福泰", "长松", "海棠", "丁香",
    "月河", "仓颉", "鸢都", "苇湾", "金马", "新城", "颐园", "惠贤", "百合", "同心", "凤凰", "银枫",
    "龙泉", "嘉和", "丰华", "康乐", "南屯", "北关", "清平", "瑞景", "华都", "书香",
]
ROADS = ["东风东街", "胜利东街", "健康东街", "福寿东街", "文化路", "北宫东街", "鸢飞路", "虞河路", "新华路",
         "北海路", "潍州路", "四平路", "樱前街", "民生东街", "青年路", "和平路", "白浪河路", "金宝街"]
COMPOUND_HEADS = ["花园", "家园", "小区", "新村", "苑", "公寓", "佳园", "名居", "雅居", "嘉园"]
DANWEI = ["供电公司", "潍柴", "纺织厂", "邮政", "粮食局", "棉麻公司", "化工厂", "一中", "交通局", "建设银行",
          "自来水公司", "煤矿", "农机厂", "针织厂", "二轻", "电业局", "铁路", "烟草公司", "物资局", "商业局"]
DEDICATED = ["人民医院", "实验小学", "第一中学", "农贸市场", "商业综合体", "火车站片区", "工业园", "职业学院",
             "中医院", "汽车站", "科技园", "物流园", "妇幼保健院", "体育中心"]
SYLLABLES = "安宁和平兴福泰康乐华东西南北新丰瑞祥盛永昌隆德仁义明光河山柳桃杏松竹梅兰云龙凤金玉宝春秋阳清"
VILLAGE_TAILS = ["家庄", "家村", "官庄", "家营", "家屯", "家洼", "家岭"]

DEPARTMENTS = [  # code, name, English, stationed
    ("dept-xfj", "奎文区信访局", "Petitions Bureau", True),
    ("dept-gaj", "潍坊市公安局奎文分局", "Public Security Sub-bureau", True),
    ("dept-fy", "奎文区人民法院", "People's Court", True),
    ("dept-jcy", "奎文区人民检察院", "People's Procuratorate", True),
    ("dept-zjj", "奎文区住房和城乡建设局", "Housing and Urban-Rural Development Bureau", True),
    ("dept-rsj", "奎文区人力资源和社会保障局", "Human Resources and Social Security Bureau", True),
    ("dept-sfj", "奎文区司法局", "Justice Bureau", True),
    ("dept-wjj", "奎文区卫生健康局", "Health Bureau", True),
    ("dept-scjgj", "奎文区市场监督管理局", "Market Regulation Bureau", True),
    ("dept-zhzfj", "奎文区综合行政执法局（城管）", "Comprehensive Law Enforcement Bureau (city management)", True),
    ("dept-mzj", "奎文区民政局", "Civil Affairs Bureau", True),
    ("dept-zrzyj", "潍坊市自然资源和规划局奎文分局", "Natural Resources and Planning Sub-bureau", True),
    ("dept-jyj", "奎文区教育和体育局", "Education and Sports Bureau", True),
    ("dept-sthj", "潍坊市生态环境局奎文分局", "Ecology and Environment Sub-bureau", True),
    ("dept-yjj", "奎文区应急管理局", "Emergency Management Bureau", True),
    ("dept-zfw", "中共奎文区委政法委员会", "Political and Legal Affairs Commission", False),
    ("dept-tyjrj", "奎文区退役军人事务局", "Veterans Affairs Bureau", False),
    ("dept-fgj", "奎文区发展和改革局", "Development and Reform Bureau", False),
    ("dept-czj", "奎文区财政局", "Finance Bureau", False),
    ("dept-zgh", "奎文区总工会", "Federation of Trade Unions", False),
    ("dept-fl", "奎文区妇女联合会", "Women's Federation", False),
    ("dept-fxh", "奎文区法学会", "Law Society", False),
    ("dept-xfjy", "奎文区消防救援大队", "Fire and Rescue Brigade", False),
]
WINDOWS = [  # the article's eight first, then the others of the 18 (plausible)
    ("信访接访", "Petition reception"),
    ("诉前调解和速裁服务", "Pre-litigation mediation and fast-track adjudication"),
    ("检察服务", "Procuratorial services"),
    ("法律援助", "Legal aid"),
    ("医疗纠纷", "Medical disputes"),
    ("劳动监察及仲裁", "Labour inspection and arbitration"),
    ("农民工工资清欠", "Migrant workers' wage arrears"),
    ("消费纠纷和投诉举报", "Consumer disputes, complaints and reports"),
    ("物业纠纷调解", "Property-management disputes"),
    ("婚姻家庭纠纷调解", "Marriage and family disputes"),
    ("道路交通事故纠纷调解", "Road-traffic accident disputes"),
    ("公安调解", "Police mediation"),
    ("住房和城建服务", "Housing and construction services"),
    ("行政复议与行政调解", "Administrative review and mediation"),
    ("社会保险服务", "Social-insurance services"),
    ("心理咨询疏导", "Psychological counselling"),
    ("联席联办会商室", "Joint-meeting room"),
    ("综合受理", "General intake"),
]
#: Departments whose staff are sunk to grids (the N of 1+2+N+X).
SUNK_DEPARTMENTS = ["dept-gaj", "dept-sfj", "dept-zhzfj", "dept-scjgj", "dept-wjj", "dept-yjj"]


def _person(rng: random.Random) -> str:
    n = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(n))


def _allocate(total: int, n: int, rng: random.Random, low: int, spread: float = 0.35) -> list[int]:
    """Split ``total`` into ``n`` parts of at least ``low``, randomly around the mean."""
    weights = [1 + rng.uniform(-spread, spread) for _ in range(n)]
    rest = total - low * n
    raw = [rest * w / sum(weights) for w in weights]
    parts = [low + int(r) for r in raw]
    order = sorted(range(n), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


# ----------------------------------------------------------------------------------- geometry

class Tiler:
    """Recursive guillotine cuts of a box into a planar subdivision with shared vertices.

    Works in kilometres (x east, y north) from the box's south-west corner; vertices are
    numbered, and every vertex a cut puts on an edge is registered on that edge so all the
    polygons that share it (neighbours, parents) include it when expanded.
    """

    #: A cut never passes closer than this (km) to an existing vertex.
    EPS = 0.004

    def __init__(self, box: tuple[float, float, float, float]):
        self.lon0, self.lat0, lon1, lat1 = box
        self.ky = 111.32
        self.kx = 111.32 * math.cos(math.radians((self.lat0 + lat1) / 2))
        self.box = box
        w, h = (lon1 - self.lon0) * self.kx, (lat1 - self.lat0) * self.ky
        self.xs = [0.0, w, w, 0.0]
        self.ys = [0.0, 0.0, h, h]
        self.splits: dict[tuple[int, int], int] = {}
        self.root = [0, 1, 2, 3]

    def expand(self, ring: list[int]) -> list[int]:
        out: list[int] = []
        for k, a in enumerate(ring):
            out.append(a)
            self._between(a, ring[(k + 1) % len(ring)], out)
        return out

    def _between(self, a: int, b: int, out: list[int]) -> None:
        v = self.splits.get((a, b) if a < b else (b, a))
        if v is not None:
            self._between(a, v, out)
            out.append(v)
            self._between(v, b, out)

    def area(self, ring: list[int]) -> float:
        xs, ys = self.xs, self.ys
        return 0.5 * sum(xs[a] * ys[b] - xs[b] * ys[a] for a, b in zip(ring, ring[1:] + ring[:1], strict=True))

    def centroid(self, ring: list[int]) -> tuple[float, float]:
        n = len(ring)
        return sum(self.xs[i] for i in ring) / n, sum(self.ys[i] for i in ring) / n

    def split(self, ring: list[int], n: int, rng: random.Random) -> list[list[int]]:
        """Cut a convex ring into ``n`` convex pieces of roughly equal area."""
        if n <= 1:
            return [ring]
        ring = self.expand(ring)
        xs = [self.xs[i] for i in ring]
        ys = [self.ys[i] for i in ring]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        across = w > h * rng.uniform(0.85, 1.15)  # cut across the longer side
        theta = (0.0 if across else math.pi / 2) + rng.uniform(-0.22, 0.22)
        nx, ny = math.cos(theta), math.sin(theta)
        n1 = n // 2 + (rng.randint(0, 1) if n % 2 else 0)
        frac = min(0.9, max(0.1, n1 / n * rng.uniform(0.92, 1.08)))
        s = [nx * x + ny * y for x, y in zip(xs, ys, strict=True)]
        total = abs(_area(xs, ys))
        lo, hi = min(s), max(s)
        for _ in range(32):  # bisection: the part below the line holds ``frac`` of the area
            mid = (lo + hi) / 2
            if _clipped_area(xs, ys, s, mid) < frac * total:
                lo = mid
            else:
                hi = mid
        c = (lo + hi) / 2
        for _ in range(20):  # keep clear of existing vertices
            near = [v for v in s if abs(v - c) < self.EPS]
            if not near:
                break
            c += 2.5 * self.EPS if c >= near[0] else -2.5 * self.EPS
        below: list[int] = []
        above: list[int] = []
        m = len(ring)
        for k in range(m):
            a, b = ring[k], ring[(k + 1) % m]
            sa, sb = s[k] - c, s[(k + 1) % m] - c
            (below if sa < 0 else above).append(a)
            if (sa < 0) != (sb < 0):
                t = sa / (sa - sb)
                self.xs.append(self.xs[a] + t * (self.xs[b] - self.xs[a]))
                self.ys.append(self.ys[a] + t * (self.ys[b] - self.ys[a]))
                v = len(self.xs) - 1
                self.splits[(a, b) if a < b else (b, a)] = v
                below.append(v)
                above.append(v)
        return self.split(below, n1, rng) + self.split(above, n - n1, rng)

    def reading_order(self, rings: list[list[int]]) -> list[list[int]]:
        """Rings numbered from west to east, then north to south (in rows of about their size)."""
        if len(rings) < 2:
            return rings
        cents = [self.centroid(r) for r in rings]
        band = math.sqrt(sum(abs(self.area(r)) for r in rings) / len(rings))
        top = max(y for _, y in cents)
        keyed = sorted(range(len(rings)), key=lambda i: (round((top - cents[i][1]) / band), cents[i][0]))
        return [rings[i] for i in keyed]

    def geojson(self, ring: list[int]) -> dict:
        ring = self.expand(ring)
        coords = [[round(self.lon0 + self.xs[i] / self.kx, 7), round(self.lat0 + self.ys[i] / self.ky, 7)]
                  for i in ring]
        return {"type": "Polygon", "coordinates": [coords + [coords[0]]]}


def _area(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    return 0.5 * sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))


def _clipped_area(xs: list[float], ys: list[float], s: list[float], c: float) -> float:
    """Area of the part of a convex polygon where s < c."""
    px: list[float] = []
    py: list[float] = []
    n = len(xs)
    for k in range(n):
        j = (k + 1) % n
        if s[k] < c:
            px.append(xs[k])
            py.append(ys[k])
        if (s[k] < c) != (s[j] < c):
            t = (s[k] - c) / (s[k] - s[j])
            px.append(xs[k] + t * (xs[j] - xs[k]))
            py.append(ys[k] + t * (ys[j] - ys[k]))
    return abs(_area(px, py)) if len(px) >= 3 else 0.0


@dataclass
class RegionSpec:
    code: str
    name: str
    level: str
    parent: str | None
    geometry: dict | None = None
    grid_type: str = ""
    population: int | None = None
    children: list[RegionSpec] = field(default_factory=list)
    ring: list[int] = field(default_factory=list, repr=False)  # vertex ids in the tiler


def layout_district(code6: str, name: str, box, n_grids: int, seed: int = 2026, kind: str = "district",
                    street_names: list[str] | None = None, n_communities: int | None = None,
                    n_dedicated: int | None = None) -> RegionSpec:
    """The regions of one district — streets, communities, grids — with boundaries tiling ``box``.

    Pure computation (no database): the same arguments give the same result. Kuiwen uses the
    real street names and the article's counts; other districts get generated names.
    """
    rng = random.Random(f"{seed}/layout/{code6}")
    tiler = Tiler(box)
    n_comm = n_communities or max(6, round(n_grids / 6.3))
    n_streets = len(street_names) if street_names else max(5, round(n_comm / 8))
    n_ded = n_dedicated if n_dedicated is not None else max(1, n_grids // 35)
    comm_counts = _allocate(n_comm, n_streets, rng, 5, 0.25)
    grid_counts = _allocate(n_grids, n_comm, rng, 3, 0.45)
    dedicated = set(rng.sample(range(n_comm), n_ded))

    if street_names is None:
        # a district has streets (街道 001–099); a county or county-level city a few streets and
        # then towns (镇 101–199)
        n_sub = n_streets if kind == "district" else min(n_streets - 2, rng.randint(2, 4))
        stems = _unique_stems(rng, n_streets)
        street_names = [f"{s}街道" for s in stems[:n_sub]] + [f"{s}镇" for s in stems[n_sub:]]
        street_seqs = [i + 1 for i in range(n_sub)] + [101 + i for i in range(n_streets - n_sub)]
        comm_stems = _unique_stems(rng, n_comm, avoid=set(stems))
    else:
        street_seqs = [i + 1 for i in range(n_streets)]
        comm_stems = list(COMMUNITY_STEMS)
        rng.shuffle(comm_stems)
        comm_stems = comm_stems[:n_comm]

    district = RegionSpec(f"{code6}000000", name, "district", CITY_CODE, ring=tiler.root)
    street_rings = tiler.reading_order(tiler.split(tiler.root, n_streets, rng))
    ci = 0
    for si, (sname, sseq, sring) in enumerate(zip(street_names, street_seqs, street_rings, strict=True)):
        scode = f"{code6}{sseq:03d}000"
        street = RegionSpec(scode, sname, "street", district.code, ring=sring)
        district.children.append(street)
        town = sname.endswith("镇")
        comm_rings = tiler.reading_order(tiler.split(sring, comm_counts[si], rng))
        for k, cring in enumerate(comm_rings):
            stem = comm_stems[ci]
            if town:  # villages (村委会 201…)
                cname = f"{rng.choice(SURNAMES)}{rng.choice(VILLAGE_TAILS)}村" if rng.random() < 0.5 else f"{stem}村"
                cseq = 201 + k
            else:
                cname, cseq = f"{stem}社区", 1 + k
            comm = RegionSpec(f"{scode[:9]}{cseq:03d}", cname, "community", scode, ring=cring)
            street.children.append(comm)
            grid_rings = tiler.reading_order(tiler.split(cring, grid_counts[ci], rng))
            special = None
            if ci in dedicated:
                special = min(range(len(grid_rings)), key=lambda i: abs(tiler.area(grid_rings[i])))
            seq = 0
            for gi, gring in enumerate(grid_rings):
                if gi == special:
                    gname = f"{cname}{rng.choice(DEDICATED)}专属网格"
                    grid = RegionSpec(f"{comm.code}901", gname, "grid", comm.code, grid_type="dedicated",
                                      population=rng.randint(0, 300))
                else:
                    seq += 1
                    grid = RegionSpec(f"{comm.code}{seq:03d}", f"{cname}第{_cn_number(seq)}网格", "grid",
                                      comm.code, grid_type="basic", population=rng.randint(780, 1560))
                grid.ring = gring
                comm.children.append(grid)
            ci += 1
    # geometry last: every cut is made, so each ring expands to all the vertices on its edges
    for street in district.children:
        street.geometry = tiler.geojson(street.ring)
        for comm in street.children:
            comm.geometry = tiler.geojson(comm.ring)
            for grid in comm.children:
                grid.geometry = tiler.geojson(grid.ring)
            comm.population = sum(g.population or 0 for g in comm.children)
        street.population = sum(c.population or 0 for c in street.children)
    district.geometry = tiler.geojson(tiler.root)
    district.population = sum(s.population or 0 for s in district.children)
    return district


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _unique_stems(rng: random.Random, n: int, avoid: set[str] = frozenset()) -> list[str]:
    out: list[str] = []
    seen = set(avoid)
    while len(out) < n:
        s = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
        if s[0] != s[1] and s not in seen:
            seen.add(s)
            out.append(s)
    return out


def kuiwen_layout(seed: int = 2026) -> RegionSpec:
    """Kuiwen's 8 streets, 65 communities and 408 grids (12 of them dedicated)."""
    return layout_district(KUIWEN, "奎文区", KUIWEN_BOX, N_GRIDS, seed, street_names=KUIWEN_STREETS,
                           n_communities=N_COMMUNITIES, n_dedicated=N_DEDICATED)


def walk(spec: RegionSpec):
    yield spec
    for c in spec.children:
        yield from walk(c)


# ------------------------------------------------------------------------------------- build

class DemoError(RuntimeError):
    pass


def _say(stdout, msg: str) -> None:
    if stdout is not None:
        stdout.write(msg + "\n")


def build_demo(scale: str = "district", seed: int = 2026, stdout=None) -> dict:
    """Build the demo into an empty database; return counts and the demo accounts.

    ``scale="district"``: the city 潍坊市 with Kuiwen in full. ``scale="city"``: also the other
    eleven districts of Weifang (regions and one grid worker per grid; about 5,000 grids).
    The accounts' passwords are random (:mod:`secrets`) and returned only here.
    """
    from zhili.core import codes_seed, geo
    from zhili.core.models import CodeItem, Region, User

    if scale not in ("district", "city"):
        raise DemoError(f"unknown scale {scale!r}: use 'district' or 'city'")
    if Region.objects.exists():
        raise DemoError("the database already holds regions: the demo is built only into an empty database "
                        "(create a new one, or flush this one first)")
    taken = sorted(User.objects.filter(username__in=DEMO_ACCOUNTS).values_list("username", flat=True))
    if taken:
        raise DemoError(f"the demo accounts' usernames are taken already: {', '.join(taken)}")
    with transaction.atomic():
        _say(stdout, "区划与网格 regions and grids…")
        layouts = [kuiwen_layout(seed)]
        if scale == "city":
            layouts += [layout_district(c, n, box, g, seed, kind=k) for c, n, k, box, g in CITY_DISTRICTS if c != KUIWEN]
        regions = _create_regions(layouts, scale)
        _say(stdout, "组织机构 organisations…")
        orgs = _create_organisations(regions, seed)
        _say(stdout, "小区 compounds…")
        n_compounds = _create_compounds(regions, orgs, seed)
        _say(stdout, "人员与网格团队 staff and grid teams…")
        people = _create_people(regions, orgs, seed)
        _say(stdout, "字典 code tables…")
        n_codes = codes_seed.seed_codes()  # usually 0: migrate seeds them already
    geo.invalidate()
    levels = Counter(r.level for r in regions.values())
    by_type = Counter(o.org_type for o in orgs.values())
    kuiwen_grids = [r for r in regions.values() if r.level == "grid" and r.code.startswith(KUIWEN)]
    return {
        "scale": scale,
        "seed": seed,
        "districts": levels["district"],
        "streets": sum(1 for r in regions.values() if r.level == "street" and r.code.startswith(KUIWEN)),
        "communities": sum(1 for r in regions.values() if r.level == "community" and r.code.startswith(KUIWEN)),
        "grids": len(kuiwen_grids),
        "dedicated_grids": sum(1 for r in kuiwen_grids if r.grid_type == "dedicated"),
        "regions_total": len(regions),
        "streets_total": levels["street"],
        "communities_total": levels["community"],
        "grids_total": levels["grid"],
        "organisations": dict(sorted(by_type.items())),
        "stationed_departments": sum(1 for o in orgs.values() if o.org_type == "department" and o.stationed),
        "compounds": n_compounds,
        "users": people["users"],
        "grid_workers": people["grid_workers"],
        "team_members": people["team_members"],
        "code_items_created": n_codes,
        "code_items": CodeItem.objects.count(),
        "accounts": people["accounts"],
    }


def _create_regions(layouts: list[RegionSpec], scale: str) -> dict:
    from shapely.geometry import shape
    from shapely.ops import unary_union

    from zhili.core.models import PREFIX_LENGTH, Region
    from zhili.core.services import centroid

    city_geom = None
    if scale == "city":
        merged = unary_union([shape(d.geometry) for d in layouts])
        city_geom = _round_geojson(merged.__geo_interface__)
    city = Region(code=CITY_CODE, name=CITY_NAME, level="city", geometry=city_geom, is_demo=True,
                  population=sum(d.population or 0 for d in layouts))
    levels: dict[str, list[RegionSpec]] = {"district": [], "street": [], "community": [], "grid": []}
    for d in layouts:
        for spec in walk(d):
            levels[spec.level].append(spec)
    regions: dict[str, Region] = {}
    city.prefix = city.code[: PREFIX_LENGTH["city"]]
    _fill_centroid(city, shape, centroid)
    Region.objects.bulk_create([city])
    regions[city.code] = city
    for level in ("district", "street", "community", "grid"):
        objs = []
        for spec in sorted(levels[level], key=lambda s: s.code):
            obj = Region(code=spec.code, name=spec.name, level=level, parent=regions[spec.parent],
                         prefix=spec.code[: PREFIX_LENGTH[level]], grid_type=spec.grid_type,
                         geometry=spec.geometry, population=spec.population, is_demo=True)
            _fill_centroid(obj, shape, centroid)
            objs.append(obj)
        Region.objects.bulk_create(objs, batch_size=500)
        if objs and objs[0].pk is None:  # a backend that does not return primary keys
            pks = dict(Region.objects.filter(level=level).values_list("code", "pk"))
            for o in objs:
                o.pk = pks[o.code]
        regions.update((o.code, o) for o in objs)
    return regions


def _fill_centroid(obj, shape, centroid) -> None:
    if obj.geometry:
        for k, v in centroid(shape(obj.geometry)).items():
            setattr(obj, k, round(v, 7) if k != "area_km2" else round(v, 4))


def _round_geojson(gj: dict) -> dict:
    def r(x):
        if isinstance(x, (list, tuple)):
            if x and isinstance(x[0], float | int):
                return [round(float(v), 7) for v in x]
            return [r(v) for v in x]
        return x

    return {"type": gj["type"], "coordinates": r(gj["coordinates"])}


def _org(code, name, org_type, region, *, name_en="", parent=None, stationed=False, address="", phone="", order=0):
    from zhili.core.models import Organisation

    return Organisation(code=code, name=name, name_en=name_en, org_type=org_type, region=region,
                        region_code=region.code, parent=parent, stationed=stationed, address=address,
                        phone=phone, order=order)


def _create_organisations(regions: dict, seed: int) -> dict:
    from zhili.core.models import Organisation

    rng = random.Random(f"{seed}/organisations")
    district = regions[f"{KUIWEN}000000"]
    streets = sorted((r for r in regions.values() if r.level == "street" and r.code.startswith(KUIWEN)), key=lambda r: r.code)
    comms = sorted((r for r in regions.values() if r.level == "community" and r.code.startswith(KUIWEN)), key=lambda r: r.code)

    def addr(place: str = "") -> str:
        return f"潍坊市奎文区{place or rng.choice(ROADS)}{rng.randint(1, 1999)}号"

    def phone() -> str:
        return f"0536-8{rng.randint(0, 999999):06d}"

    hall = "潍坊市奎文区福寿东街 奎文区社会治理服务中心"
    orgs: list[Organisation] = []
    centre = _org("centre", "奎文区群众诉求服务中心", "centre", district,
                  name_en="Kuiwen Public Request Service Centre (social governance service centre)",
                  address=hall, phone="0536-12345")
    orgs.append(centre)
    for i, (code, name, en, stationed) in enumerate(DEPARTMENTS, start=1):
        orgs.append(_org(code, name, "department", district, name_en=en, stationed=stationed, order=i,
                         address=hall if stationed else addr(), phone=phone()))
    windows = [_org(f"win-{i:02d}", f"{i}号窗口 {zh}", "window", district, name_en=f"Window {i}: {en}",
                    parent=centre, order=i, address=f"{hall} 一楼大厅{i}号窗口")
               for i, (zh, en) in enumerate(WINDOWS, start=1)]
    orgs += windows
    for s in streets:
        orgs.append(_org(f"street-{s.code}", f"{s.name}办事处", "street_office", s, name_en=f"{s.name} street office",
                         address=addr(), phone=phone(), order=int(s.code[6:9])))
    for c in comms:
        orgs.append(_org(f"comm-{c.code}", f"{c.name}居民委员会", "community_office", c,
                         name_en=f"{c.name} residents' committee", address=addr(), phone=phone(), order=int(c.code[9:])))
    # red property management: one community company per community, two with a second one
    company_of: dict[str, list[Organisation]] = {}
    doubles = set(rng.sample(range(len(comms)), N_PROPERTY_COMPANIES - len(comms)))
    k = 0
    for i, c in enumerate(comms):
        stem = c.name.removesuffix("社区")
        names = [f"潍坊{stem}社区物业服务有限公司"] + ([f"潍坊{stem}红管家物业服务有限公司"] if i in doubles else [])
        for name in names:
            k += 1
            o = _org(f"prop-{k:02d}", name, "property_company", c, name_en=f"{stem} community property services Co.",
                     address=addr(), phone=phone(), order=k)
            company_of.setdefault(c.code, []).append(o)
            orgs.append(o)
    # 19 property service stations, two or three per street
    per_street = _allocate(N_STATIONS, len(streets), rng, 2, 0.1)
    k = 0
    for s, n in zip(streets, per_street, strict=True):
        in_street = [c for c in comms if c.code.startswith(s.code[:9])]
        for c in sorted(rng.sample(in_street, n), key=lambda r: r.code):
            k += 1
            orgs.append(_org(f"pss-{k:02d}", f"{c.name}物业服务站", "service_station", c, parent=company_of[c.code][0],
                             name_en=f"{c.name} property service station", address=addr(), order=k))
    # legal aid on four levels: district centre, street stations, community points (grids: the grid worker)
    la_centre = _org("la-district", "奎文区法律援助中心", "legal_aid_site", district, name_en="Kuiwen Legal Aid Centre",
                     address=addr("胜利东街"), phone="0536-12348")
    orgs.append(la_centre)
    la_street = {}
    for s in streets:
        o = _org(f"la-{s.code}", f"{s.name}法律援助工作站", "legal_aid_site", s, parent=la_centre,
                 name_en=f"{s.name} legal-aid station", address=addr(), order=int(s.code[6:9]))
        la_street[s.code] = o
        orgs.append(o)
    for c in comms:
        orgs.append(_org(f"la-{c.code}", f"{c.name}法律援助联系点", "legal_aid_site", c, parent=la_street[c.code[:9] + "000"],
                         name_en=f"{c.name} legal-aid contact point", address=addr(), order=int(c.code[9:])))
    # mediation: district committee and professional committees, street committees, community committees
    med = _org("med-district", "奎文区人民调解委员会", "mediation_committee", district,
               name_en="Kuiwen People's Mediation Committee", address=hall)
    orgs.append(med)
    for code, name, en in [("med-medical", "奎文区医疗纠纷人民调解委员会", "Medical disputes mediation committee"),
                           ("med-property", "奎文区物业纠纷人民调解委员会", "Property disputes mediation committee"),
                           ("med-traffic", "奎文区道路交通事故纠纷人民调解委员会", "Traffic accident mediation committee"),
                           ("med-labour", "奎文区劳动争议调解中心", "Labour dispute mediation centre"),
                           ("med-legal", "奎文区涉法案件调解队伍", "Legal-case mediation team")]:
        orgs.append(_org(code, name, "mediation_committee", district, name_en=en, parent=med, address=hall))
    med_street = {}
    for s in streets:
        o = _org(f"med-{s.code}", f"{s.name}人民调解委员会", "mediation_committee", s, parent=med,
                 name_en=f"{s.name} mediation committee", address=f"{s.name}“和为贵”调解室")
        med_street[s.code] = o
        orgs.append(o)
    for c in comms:
        orgs.append(_org(f"med-{c.code}", f"{c.name}人民调解委员会", "mediation_committee", c,
                         parent=med_street[c.code[:9] + "000"], name_en=f"{c.name} mediation committee",
                         address=f"{c.name}“和为贵”调解室"))
    orgs.append(_org("team-probono", "奎文区涉法涉诉案件评查化解公益法律服务团", "other", district,
                     name_en="Pro-bono legal service group for law-related petitions", parent=None, address=hall))
    # parents first: top-level rows, then children
    top = [o for o in orgs if o.parent is None]
    Organisation.objects.bulk_create(top)
    for _level in range(3):  # the deepest chain: legal-aid centre → street station → community point
        kids = [o for o in orgs if o.parent is not None and o.pk is None and o.parent.pk is not None]
        if not kids:
            break
        for o in kids:
            o.parent_id = o.parent.pk
        Organisation.objects.bulk_create(kids)
    if any(o.pk is None for o in orgs):  # a backend that does not return primary keys
        raise DemoError("the database backend did not return primary keys from bulk_create")
    return {o.code: o for o in orgs}


def _random_point_in(geom, rng: random.Random) -> tuple[float, float]:
    from shapely.geometry import Point

    x0, y0, x1, y1 = geom.bounds
    for _ in range(1000):
        lon, lat = round(rng.uniform(x0, x1), 6), round(rng.uniform(y0, y1), 6)
        if geom.contains(Point(lon, lat)):
            return lon, lat
    p = geom.representative_point()
    return round(p.x, 6), round(p.y, 6)


def _create_compounds(regions: dict, orgs: dict, seed: int) -> int:
    from shapely.geometry import shape

    from zhili.core.geo import GridIndex
    from zhili.core.models import Compound

    rng = random.Random(f"{seed}/compounds")
    comms = sorted((r for r in regions.values() if r.level == "community" and r.code.startswith(KUIWEN)), key=lambda r: r.code)
    grids_of: dict[str, list] = {}
    for r in regions.values():
        if r.level == "grid" and r.code.startswith(KUIWEN):
            grids_of.setdefault(r.parent.code, []).append(r)
    weights = [len([g for g in grids_of[c.code] if g.grid_type == "basic"]) for c in comms]
    counts = _allocate_weighted(N_COMPOUNDS, weights)
    companies: dict[str, list] = {}
    for o in orgs.values():
        if o.org_type == "property_company":
            companies.setdefault(o.region.code, []).append(o)
    names_used: set[str] = set()
    rows = []
    for c, n in zip(comms, counts, strict=True):
        basic = sorted((g for g in grids_of[c.code] if g.grid_type == "basic"), key=lambda g: g.code)
        for _ in range(n):
            grid = rng.choice(basic)
            lon, lat = _random_point_in(shape(grid.geometry), rng)
            old = rng.random() < 0.7  # 红色物业 covers the old compounds first
            rows.append(Compound(
                name=_compound_name(rng, c.name.removesuffix("社区"), names_used, old),
                community=c, property_company=rng.choice(companies[c.code]),
                households=rng.randint(48, 420) if old else rng.randint(200, 1400),
                built_year=rng.randint(1982, 2004) if old else rng.randint(2005, 2022),
                lon=lon, lat=lat))
    index = GridIndex.build([(g.code, g.geometry) for g in regions.values() if g.level == "grid" and g.code.startswith(KUIWEN)])
    found = index.locate_many([r.lon for r in rows], [r.lat for r in rows])
    for row, code in zip(rows, found, strict=True):
        row.grid = regions[code] if code else None
        row.region_code = (row.grid or row.community).code
    Compound.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _allocate_weighted(total: int, weights: list[int]) -> list[int]:
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _compound_name(rng: random.Random, stem: str, used: set[str], old: bool) -> str:
    for _ in range(50):
        r = rng.random()
        if old and r < 0.4:
            name = f"{rng.choice(DANWEI)}宿舍" + (f"{rng.randint(1, 6)}号院" if rng.random() < 0.5 else "")
        elif r < 0.7:
            name = f"{stem}{rng.choice(COMPOUND_HEADS)}"
        else:
            name = f"{rng.choice(COMMUNITY_STEMS)}{rng.choice(COMPOUND_HEADS)}"
        if rng.random() < 0.25:
            name += rng.choice(["东区", "西区", "南区", "北区", "一期", "二期"])
        if name not in used:
            used.add(name)
            return name
    name = f"{stem}小区{len(used) + 1}"
    used.add(name)
    return name


def _password() -> str:
    return secrets.token_urlsafe(12)


def _create_people(regions: dict, orgs: dict, seed: int) -> dict:
    from zhili.core.models import GridTeamMember, User
    from zhili.core.policy import PERMISSIONS

    rng = random.Random(f"{seed}/people")
    admin_roles = PERMISSIONS["admin.enter"]
    users: list[User] = []
    demo: dict[str, User] = {}
    seq = {"n": 0}

    def user(username: str | None, role: str, region, org=None, name: str | None = None) -> User:
        seq["n"] += 1
        u = User(username=username or f"u{seq['n']:06d}", role=role, region=region, organisation=org,
                 display_name=name or _person(rng), is_staff=role in admin_roles, phone="", phone_index="",
                 date_joined=DEMO_EPOCH, must_change_password=False)
        if username in DEMO_ACCOUNTS:
            demo[username] = u
        else:
            u.password = make_password(None)
        users.append(u)
        return u

    district = regions[f"{KUIWEN}000000"]
    grids = sorted((r for r in regions.values() if r.level == "grid"), key=lambda r: r.code)
    kw_grids = [g for g in grids if g.code.startswith(KUIWEN)]
    first_grid = kw_grids[0]
    first_comm = first_grid.parent
    first_street = first_comm.parent

    # office and service accounts
    user("admin", "centre_admin", district, orgs["centre"])
    user("clerk", "window_clerk", district, orgs["win-03"])
    user("handler", "dept_handler", district, orgs["dept-zjj"])
    user("depthead", "dept_head", district, orgs["dept-zjj"])
    user("street", "street_staff", first_street, orgs[f"street-{first_street.code}"])
    user("community", "community_staff", first_comm, orgs[f"comm-{first_comm.code}"])
    user("mediator", "mediator", district, orgs["med-district"])
    user("lawyer", "legal_aid_lawyer", district, orgs["la-district"])
    user("officer", "supervision_officer", district, orgs["dept-gaj"])
    user("leader", "leader", district, orgs["dept-zfw"])
    user("sysadmin", "sys_admin", district)
    user("secadmin", "security_admin", district)
    user("auditor", "audit_admin", district)
    # a few more handlers per stationed department, and window clerks
    for code, *_ in DEPARTMENTS[:15]:
        for _ in range(2):
            user(None, "dept_handler", district, orgs[code])
    for i in range(1, len(WINDOWS) + 1):
        user(None, "window_clerk", district, orgs[f"win-{i:02d}"])

    # grid teams (1+2+N+X) for Kuiwen; one full-time grid worker per grid elsewhere too
    team: list[tuple[object, User, str]] = []
    by_comm: dict[str, list] = {}
    for g in kw_grids:
        by_comm.setdefault(g.parent.code, []).append(g)
    prop_by_comm: dict[str, list] = {}
    for o in orgs.values():
        if o.org_type == "property_company":
            prop_by_comm.setdefault(o.region.code, []).append(o)
    for ccode, cgrids in by_comm.items():
        comm = regions[ccode]
        first = comm is first_comm
        # instructors: community staff, each instructing up to three grids
        n_instr = math.ceil(len(cgrids) / 3)
        instructors = [user("instructor" if first and i == 0 else None, "grid_instructor", comm,
                            orgs[f"comm-{ccode}"]) for i in range(n_instr)]
        # the N: department staff sunk to this community's grids
        n_dept = rng.randint(2, 4)
        dept_staff = [user("griddept" if first and i == 0 else None, "grid_dept_staff", comm,
                           orgs[SUNK_DEPARTMENTS[i] if i < 2 else rng.choice(SUNK_DEPARTMENTS[2:])])
                      for i in range(n_dept)]
        for gi, g in enumerate(cgrids):
            is_first = g is first_grid
            team.append((g, instructors[gi // 3], "instructor"))
            team.append((g, user("gridleader" if is_first else None, "grid_leader", g, orgs[f"comm-{ccode}"]), "leader"))
            team.append((g, user("gridworker" if is_first else None, "grid_worker", g, orgs[f"comm-{ccode}"]), "worker"))
            for d in rng.sample(dept_staff, rng.randint(1, min(3, len(dept_staff)))):
                team.append((g, d, "dept_staff"))
            for hi in range(rng.randint(2, 5)):
                org = rng.choice(prop_by_comm[ccode]) if rng.random() < 0.4 else None
                team.append((g, user("volunteer" if is_first and hi == 0 else None, "grid_helper", g, org), "helper"))
    for g in grids:
        if not g.code.startswith(KUIWEN):
            user(None, "grid_worker", g)

    # usernames that say who they are (stable, readable in lists)
    counters: dict[str, int] = {}
    prefix = {"grid_worker": "gw", "grid_leader": "gl", "grid_instructor": "gi", "grid_dept_staff": "gd",
              "grid_helper": "gh", "dept_handler": "dh", "window_clerk": "wc"}
    for u in users:
        if u.username in DEMO_ACCOUNTS:
            continue
        p = prefix.get(u.role, "u")
        if u.role in ("grid_worker", "grid_leader"):
            u.username = f"{p}{u.region.code}"
        else:
            counters[p] = counters.get(p, 0) + 1
            u.username = f"{p}{counters[p]:05d}"

    passwords = {}
    for username, u in demo.items():
        passwords[username] = _password()
        u.set_password(passwords[username])
    User.objects.bulk_create(users, batch_size=500)
    if any(u.pk is None for u in users):
        pks = dict(User.objects.values_list("username", "pk"))
        for u in users:
            u.pk = pks[u.username]
    members = [GridTeamMember(grid=g, region_code=g.code, user=u, post=post) for g, u, post in team]
    GridTeamMember.objects.bulk_create(members, batch_size=1000)
    accounts = [_account_row(demo[name], passwords[name]) for name in DEMO_ACCOUNTS]
    return {"users": len(users), "grid_workers": sum(1 for u in users if u.role == "grid_worker"),
            "team_members": len(members), "accounts": accounts}


def _account_row(u, password: str) -> dict:
    from zhili.core.policy import ROLES

    return {"username": u.username, "role": u.role, "role_label": str(ROLES[u.role].label),
            "scope": u.region.code, "scope_name": u.region.name,
            "organisation": u.organisation.name if u.organisation_id else "", "password": password}


def reset_demo_passwords() -> list[dict]:
    """Give every demo account that exists a new random password; return the accounts."""
    from zhili.core.models import User

    out = []
    with transaction.atomic():
        for username in DEMO_ACCOUNTS:
            u = User.objects.select_related("region", "organisation").filter(username=username).first()
            if u is None:
                continue
            pw = _password()
            u.set_password(pw)
            u.must_change_password = False
            u.is_active = True
            u.save()
            out.append(_account_row(u, pw))
    try:  # lift any login lockout of these accounts
        from axes.utils import reset

        for row in out:
            reset(username=row["username"])
    except Exception:  # lifting the lockout is a convenience, never a reason to fail
        pass
    return out
