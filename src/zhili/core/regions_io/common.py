"""What the GeoJSON and the Excel import share: the row a feature or a spreadsheet row becomes,
its error messages (naming the row in Chinese and English), reading codes, names, levels, grid
types and populations from cells and properties, the columns of the Excel table, and the result
of an import."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..models import LEVEL_ORDER

#: A property the file does not give: keep the stored value (or the default for a new row).
MISSING = object()
#: Rows per query / per bulk statement (well under SQLite's bound-parameter limit).
CHUNK = 500

LEVEL_ALIASES = {
    **{lv: lv for lv in LEVEL_ORDER},
    "省": "province", "省级": "province",
    "市": "city", "地级市": "city", "市级": "city",
    "区": "district", "县": "district", "区县": "district", "区/县": "district", "县级": "district",
    "街道": "street", "乡镇": "street", "乡镇/街道": "street", "街道/乡镇": "street",
    "社区": "community", "村": "community", "社区/村": "community", "社区(村)": "community", "村/社区": "community",
    "网格": "grid",
}
GRID_TYPE_ALIASES = {"basic": "basic", "基础网格": "basic", "基础": "basic",
                     "dedicated": "dedicated", "专属网格": "dedicated", "专属": "dedicated"}

#: (key, Chinese header, English header, column width) of the Excel region table.
COLUMNS = [
    ("code", "代码", "code", 18),
    ("name", "名称", "name", 30),
    ("level", "层级", "level", 12),
    ("parent_code", "上级代码", "parent_code", 18),
    ("grid_type", "网格类型", "grid_type", 12),
    ("population", "人口", "population", 12),
    ("area", "面积(km²)", "area", 13),
]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {**asdict(self), "total": self.total}


@dataclass(eq=False)
class Row:
    n: int  # feature number (1-based) or spreadsheet row number
    kind: str  # "feature" or "row": how the English messages name it
    code: str = ""
    name: str = ""
    level: str = ""
    parent_code: str = ""
    grid_type: object = MISSING  # "basic" / "dedicated" / MISSING
    population: object = MISSING  # int / None / MISSING
    geometry: dict | None = None  # None: keep the stored boundary
    geom: object = None  # the parsed shapely geometry
    ok: bool = True  # False once a parse error makes further checks pointless

    def labels(self) -> tuple[str, str]:
        zh, en = f"第{self.n}行", f"{self.kind} {self.n}"
        if self.code:
            zh, en = f"{zh}（代码 {self.code}）", f"{en} (code {self.code})"
        return zh, en


def row_error(row: Row, field: str, zh: str, en: str) -> dict:
    lzh, len_ = row.labels()
    return {"field": field, "message": f"{lzh}：{zh}", "message_en": f"{len_}: {en}", "row": row.n}


def as_text(value) -> str:
    """A code or name cell/property as text: numbers (Excel likes to make codes numbers) become digits."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value).strip()


def level(value) -> str:
    raw = as_text(value)
    return LEVEL_ALIASES.get(raw.lower(), LEVEL_ALIASES.get(raw, raw))


def grid_type(row: Row, value, errors: list[dict]) -> object:
    raw = as_text(value)
    if not raw:
        return MISSING
    gt = GRID_TYPE_ALIASES.get(raw.lower())
    if gt is None:
        errors.append(row_error(row, "grid_type", f"网格类型“{raw}”无效，应为 basic（基础网格）或 dedicated（专属网格）",
                                f"grid_type {raw!r} must be basic or dedicated"))
        return MISSING
    return gt


def population(row: Row, value, errors: list[dict]) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError
            value = int(value)
        n = int(str(value).strip()) if not isinstance(value, int) else value
        if n < 0:
            raise ValueError
        return n
    except (TypeError, ValueError):
        errors.append(row_error(row, "population", f"人口“{value}”必须是非负整数", f"population {value!r} must be a whole number ≥ 0"))
        return MISSING
