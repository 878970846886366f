"""The night's plan, drawn from the seed alone: the streets, two stations with their teams and
grids, the members (names, valid GB 11643 ID numbers, mobiles, homes, walking or riding, who
trains in the class and who is on the roster) and each member's own stream of decisions.

Nothing here talks to the server or reads a clock, so a seed always gives the same plan; the
passwords are not part of it (they derive from a secret at run time, see ``credentials``)."""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from simulator.streets import LatLon, StreetMap, generate_streets, offset

RUIAN = (27.78, 120.65)
RUIAN_DIVISION = "330381"  # 瑞安市's administrative division code, the ID number's first six
SPACING_M = 220.0
TEAMS_PER_STATION = 3

# GB 11643-1999: weights of the first 17 digits and the check characters for sum mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余叶程"
GIVEN_MALE = [
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "斌",
    "超",
    "明",
    "建华",
    "志强",
    "海峰",
    "国庆",
]
GIVEN_FEMALE = ["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "秀英", "桂兰", "晓燕"]
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "158", "159", "188")


def id_check_char(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class Team:
    key: str  # stable within the plan: "s0t1"
    name: str
    station: int
    columns: range  # the street columns and rows of its patch
    rows: range
    roster: bool  # its members are on the shop-and-company roster


@dataclass(frozen=True)
class Station:
    name: str
    grid_name: str
    columns: range


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class Member:
    index: int
    name: str
    id_number: str
    phone: str
    team: int
    home: int  # a street node
    mode: str  # "walk" or "ride"
    trainee: bool

    @property
    def speed_mps(self) -> float:
        return 1.4 if self.mode == "walk" else 4.5


@dataclass(frozen=True)
class Plan:
    seed: int
    streets: StreetMap
    stations: tuple[Station, ...]
    teams: tuple[Team, ...]
    members: tuple[Member, ...]
    officer: Person  # the demo officer, ``demo-officer``

    def rng(self, *purpose: object) -> random.Random:
        """An independent, reproducible stream of randomness for one purpose."""
        return random.Random("/".join(map(str, (self.seed, *purpose))))

    def decisions(self, member: Member) -> Iterator[Decision]:
        """What the member does with each offer, in the order offers reach them."""
        rng = self.rng("member", member.index, "offers")
        while True:
            yield Decision.draw(rng)

    def team_nodes(self, team: Team) -> list[int]:
        return [self.streets.node_at(c, r) for c in team.columns for r in team.rows]

    def station_nodes(self, station: int) -> list[int]:
        return [n for t in self.teams if t.station == station for n in self.team_nodes(t)]

    def rectangle(self, columns: range, rows: range) -> list[LatLon]:
        """The patch around those street columns and rows (half a block beyond them), as a
        closed ring of (lon, lat) corners in GeoJSON order."""
        half = SPACING_M / 2
        streets = self.streets

        def corner(column: float, row: float) -> LatLon:
            north = (row - (streets.rows - 1) / 2) * SPACING_M
            east = (column - (streets.columns - 1) / 2) * SPACING_M
            lat, lon = offset(RUIAN, north_m=north, east_m=east)
            return (round(lon, 6), round(lat, 6))

        west, east = columns[0] - half / SPACING_M, columns[-1] + half / SPACING_M
        south, north = rows[0] - half / SPACING_M, rows[-1] + half / SPACING_M
        ring = [corner(west, south), corner(east, south), corner(east, north)]
        return [*ring, corner(west, north), ring[0]]


@dataclass(frozen=True)
class Decision:
    """One offer's fate: ``accept`` (claim), ``decline``, or ``ignore``; after ``delay_s``
    simulated seconds. Published programmes: about 40 % take a task, most within a minute."""

    answer: str
    delay_s: float

    @classmethod
    def draw(cls, rng: random.Random) -> Decision:
        roll = rng.random()
        answer = "accept" if roll < 0.4 else "decline" if roll < 0.75 else "ignore"
        # Log-normal reaction: median 25 s, one in twenty past ~70 s; capped at three minutes.
        delay = min(180.0, 25.0 * math.exp(rng.gauss(0.0, 0.6)))
        return cls(answer, round(delay, 3))


STATION_NAMES = ("安阳派出所", "玉海派出所")
TEAM_NAMES = (
    ("安阳巡防一队", "安阳巡防二队", "安阳义警队"),
    ("玉海巡防队", "玉海商铺联防队", "玉海企业保安队"),
)


def make_plan(seed: int, *, members: int = 300) -> Plan:
    """Everything the night needs that randomness decides, from ``seed`` alone."""
    if members < 1:
        raise ValueError("members must be at least 1")
    plan_rng = random.Random(f"{seed}/plan")
    streets = generate_streets(random.Random(f"{seed}/streets"), centre=RUIAN, spacing_m=SPACING_M)
    half = streets.columns // 2
    stations = (
        Station(STATION_NAMES[0], "安阳街道", range(0, half)),
        Station(STATION_NAMES[1], "玉海街道", range(half, streets.columns)),
    )
    teams = []
    for number, station in enumerate(stations):
        bands = _split(range(streets.rows), TEAMS_PER_STATION)
        for team_number, rows in enumerate(bands):
            teams.append(
                Team(
                    key=f"s{number}t{team_number}",
                    name=TEAM_NAMES[number][team_number],
                    station=number,
                    columns=station.columns,
                    rows=rows,
                    # the last two of the second station: shops and companies on a roster
                    roster=number == 1 and team_number > 0,
                )
            )
    people = _people(plan_rng, members + 1)
    team_nodes = [[streets.node_at(c, r) for c in t.columns for r in t.rows] for t in teams]
    roster_like = [index for index, team in enumerate(teams) if team.roster]
    plain = [index for index, team in enumerate(teams) if not team.roster]
    planned = []
    for index, (name, id_number, phone) in enumerate(people[1:]):
        # Every fifth member on the roster's teams; the rest spread over the patrol teams.
        team = (
            roster_like[index % len(roster_like)] if index % 5 == 4 else plain[index % len(plain)]
        )
        planned.append(
            Member(
                index=index,
                name=name,
                id_number=id_number,
                phone=phone,
                team=team,
                home=plan_rng.choice(team_nodes[team]),
                mode="ride" if plan_rng.random() < 0.3 else "walk",
                trainee=index % 10 == 3,
            )
        )
    return Plan(
        seed=seed,
        streets=streets,
        stations=stations,
        teams=tuple(teams),
        members=tuple(planned),
        officer=Person("演示警官", people[0][1], people[0][2]),
    )


def _split(whole: range, parts: int) -> list[range]:
    size = math.ceil(len(whole) / parts)
    return [whole[i : i + size] for i in range(0, len(whole), size)]


def _people(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """``count`` distinct (name, ID number, mobile) triples that pass registration's rules."""
    ids: set[str] = set()
    phones: set[str] = set()
    people = []
    while len(people) < count:
        born = date(rng.randint(1966, 2004), rng.randint(1, 12), rng.randint(1, 28))
        sequence = rng.randint(0, 999)
        first17 = f"{RUIAN_DIVISION}{born:%Y%m%d}{sequence:03d}"
        id_number = first17 + id_check_char(first17)
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if id_number in ids or phone in phones:
            continue
        ids.add(id_number)
        phones.add(phone)
        given = GIVEN_MALE if sequence % 2 else GIVEN_FEMALE  # the 17th digit: odd for men
        people.append((rng.choice(SURNAMES) + rng.choice(given), id_number, phone))
    return people


def credentials(secret: str, seed: int, who: str) -> str:
    """A simulated account's password: stable for a seed (the accounts outlive a restart), but
    not guessable without ``secret`` (the administrator's password)."""
    digest = hmac.new(secret.encode(), f"shouwang-sim/{seed}/{who}".encode(), hashlib.sha256)
    return "Sim-" + digest.hexdigest()[:16]
