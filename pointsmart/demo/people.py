"""The demo's households: families with names and phones of a village of the north China
plain, drawn from the demo's seeded random generator."""

from __future__ import annotations

import random

from ..accounts.auth import Principal
from ..households import service as households
from .story import HOUSEHOLDS_PER_GRID

# --- names ----------------------------------------------------------------------------------

SURNAMES = "王王王李李李张张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"
OLD_MEN = (
    "建国 建军 国强 志强 德明 永福 长林 金山 保国 学文 振华 春生 树林 广才 立新 卫东 世昌 有财 福贵"
)
OLD_WOMEN = "秀英 桂兰 玉兰 凤英 春梅 秀珍 淑芬 翠花 美华 桂芳 金凤 雪梅 素珍 玉梅 兰英"
MID_MEN = "伟 磊 强 军 勇 涛 斌 浩 鹏 海军 小兵 晓东 志刚 红军 文斌 宏伟"
MID_WOMEN = "静 丽 芳 敏 燕 娟 霞 红梅 丽娟 海燕 小燕 晓红 艳 玲"
YOUNG_BOYS = "浩然 子轩 宇航 俊杰 博文 天佑 一鸣 梓睿"
YOUNG_GIRLS = "欣怡 雨涵 思琪 佳怡 梓涵 婷婷 诗雨 可欣"
# Mobile numbers: 11 digits, from the 13x, 15x and 18x ranges.
PHONE_PREFIXES = tuple(
    f"1{block}{digit}"
    for block, digits in (("3", "0123456789"), ("5", "012356789"), ("8", "0123456789"))
    for digit in digits
)

# --- households ------------------------------------------------------------------------------


def create_households(
    actor: Principal, village_id: int, grid_ids: list[int], rng: random.Random
) -> list[int]:
    """About sixty households, twenty per grid, numbered XF-001, XF-002, ..."""
    taken: set[str] = set()
    ids = []
    for index in range(len(grid_ids) * HOUSEHOLDS_PER_GRID):
        members = _family(rng, taken)
        phone = _phone(rng) if rng.random() < 0.85 else None
        view = households.create_household(
            actor,
            village_id,
            number=f"XF-{index + 1:03d}",
            head_name=members[0]["name"],
            grid_id=grid_ids[index // HOUSEHOLDS_PER_GRID],
            phone=phone,
            members=members,
        )
        ids.append(view.household.id)
    return ids


def _family(rng: random.Random, taken: set[str]) -> list[dict[str, str]]:
    """A household's members, the head (本人) first, one to five people."""
    surname = rng.choice(SURNAMES)
    size = rng.choices((1, 2, 3, 4, 5), weights=(2, 5, 5, 5, 3))[0]
    head_is_man = rng.random() < 0.8
    with_parents = size >= 3 and rng.random() < 0.3
    generation = (MID_MEN, MID_WOMEN) if with_parents else (OLD_MEN, OLD_WOMEN)
    while True:
        head = surname + rng.choice((generation[0] if head_is_man else generation[1]).split())
        if head not in taken:
            taken.add(head)
            break

    def other_surname() -> str:
        return rng.choice([s for s in SURNAMES if s != surname])

    def person(relation: str, names: str, family: str | None = None) -> dict[str, str]:
        return {"name": (family or surname) + rng.choice(names.split()), "relation": relation}

    members = [{"name": head, "relation": "本人"}]
    if size >= 2:
        spouse_names = generation[1] if head_is_man else generation[0]
        members.append(person("配偶", spouse_names, other_surname()))
    if with_parents:
        members += [person("父", OLD_MEN), person("母", OLD_WOMEN, other_surname())]
        boy = rng.random() < 0.5
        members.append(person("子" if boy else "女", YOUNG_BOYS if boy else YOUNG_GIRLS))
    elif size >= 3:
        son = rng.random() < 0.6
        members.append(person("子" if son else "女", MID_MEN if son else MID_WOMEN))
        if size >= 4 and son:
            members.append(person("儿媳", MID_WOMEN, other_surname()))
        elif size >= 4:
            members.append(person("子", MID_MEN))
        if size >= 5:
            boy = rng.random() < 0.5
            members.append(person("孙子" if boy else "孙女", YOUNG_BOYS if boy else YOUNG_GIRLS))
    return members[:size]


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
