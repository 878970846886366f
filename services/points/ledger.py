"""The append-only points ledger and what is kept from it: balances and board counters.

Every change of a member's points is one ledger entry, written by a single insert under two
unique keys, which is the only write FerretDB 1.x makes atomic across replicas:

- ``_id``, the entry id. For a credit it is derived from the source event id and the rule
  (``<event id>:<rule>:<member>``), so a redelivered or replayed event never earns twice. For a
  debit (a redemption or a penalty) it is the member's next debit slot ``<member>:debit:<n>``.
- ``op``, the natural key of the operation (``task:<id>:<rule>:<member>``, ``report:<id>``,
  ``redeem:<redemption id>``, ...), so the same fact announced twice under different event ids,
  or a command retried, is applied once.

Debits form a chain per member: slot ``n`` can be inserted once, and records the running total
of debits ``debited``. A debit reads the last slot and the member's credits, checks that the
credits cover ``debited + amount``, and inserts slot ``n + 1``; if another replica took that slot
first, the insert fails and the check is made again on the new state. Credits only ever grow, so
a check made on fewer credits than there now are is still right: the balance never goes below
zero, without a transaction and without a read-modify-write.

Balances (``points_accounts``) and board counters (``points_counters``) follow by ``$inc`` after
the insert. A crash in between, or a lost update (FerretDB's ``$inc`` is a read then a write),
leaves them behind the ledger; ``reconcile`` recomputes both from the ledger and repairs drift.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from services.points import model
from services.points.model import Draft
from services.points.repository import (
    OP_INDEX,
    AccountRepository,
    CounterRepository,
    LedgerRepository,
)
from services.points.ruleset import Rules
from shouwang.bus import EventBus
from shouwang.clock import Clock, from_millis, to_timestamp
from shouwang.errors import Conflict
from shouwang.events import Event
from shouwang.outbox import OUTBOX_COUNT, stage
from shouwang.points.v1 import events_pb2 as points_events
from shouwang.store import Document, DuplicateKey

log = logging.getLogger(__name__)

POINTS_TOPIC = "shouwang.points.v1"
AWARDED = "shouwang.points.awarded"
SOURCE = "/shouwang/points"
RECONCILE_GRACE_S = 60.0  # a member written to more recently may still be mid-way: left alone


class InsufficientPoints(Conflict):
    """The member's balance does not cover the debit."""


@dataclass
class Reconciliation:
    members: int = 0
    repaired_balances: int = 0
    repaired_counters: int = 0
    skipped_recent: int = 0
    announced: int = 0  # events published late, after a crash between entry and publication


@dataclass
class _Expected:
    balance: int = 0
    newest_recorded_at: int = 0
    counters: dict[str, Document] = field(default_factory=dict)


class Ledger:
    def __init__(
        self,
        *,
        entries: LedgerRepository,
        accounts: AccountRepository,
        counters: CounterRepository,
        bus: EventBus,
        rules: Rules,
        clock: Clock,
    ) -> None:
        self.entries = entries
        self.accounts = accounts
        self.counters = counters
        self.bus = bus
        self.rules = rules
        self.clock = clock

    # Credits ---------------------------------------------------------------------------------
    def credit(self, draft: Draft, *, entry_id: str, at: datetime) -> Document | None:
        """Append a credit; None when this entry (or the same operation) is already there."""
        entry = self._entry(draft, entry_id=entry_id, at=at, kind="credit")
        try:
            self.entries.insert(entry)
        except DuplicateKey:
            return None
        self._follow(entry)
        return entry

    def credit_first_free(
        self, draft: Draft, *, entry_ids: list[str], at: datetime
    ) -> Document | None:
        """Credit under the first free id of ``entry_ids`` (numbered cap slots, e.g. quizzes);
        None when every slot is taken or the operation was already credited."""
        for entry_id in entry_ids:
            entry = self._entry(draft, entry_id=entry_id, at=at, kind="credit")
            try:
                self.entries.insert(entry)
            except DuplicateKey as clash:
                if clash.index == OP_INDEX or self.entries.by_op(draft.op) is not None:
                    return None
                continue
            self._follow(entry)
            return entry
        return None

    # Debits ----------------------------------------------------------------------------------
    def debit(
        self, draft: Draft, *, at: datetime, counts: bool, at_most_balance: bool = False
    ) -> Document | None:
        """Append a debit of ``-draft.delta`` points in the member's debit chain.

        ``InsufficientPoints`` when the balance does not cover it, unless ``at_most_balance``
        (penalties), which takes what there is. Returns the entry (the earlier one when the
        operation was already applied), or None when there was nothing to take.
        """
        wanted = -draft.delta
        while True:
            done = self.entries.by_op(draft.op)
            if done is not None:
                return done
            last = self.entries.last_debit(draft.member_id)
            seq, debited = (last["seq"], last["debited"]) if last else (0, 0)
            available = self.entries.credited(draft.member_id) - debited
            amount = min(wanted, available) if at_most_balance else wanted
            if amount <= 0 and at_most_balance:
                return None
            if amount > available:
                raise InsufficientPoints(detail="the balance does not cover this")
            entry = self._entry(
                replace(draft, delta=-amount),
                entry_id=f"{draft.member_id}:debit:{seq + 1:010d}",
                at=at,
                kind="debit",
                seq=seq + 1,
                debited=debited + amount,
                counts=counts,
            )
            try:
                self.entries.insert(entry)
            except DuplicateKey:
                continue  # another replica took the slot (or applied this op): look again
            self._follow(entry)
            return entry

    def covers(self, draft: Draft) -> bool:
        """Whether the balance covers the debit now (or it was already applied); a cheap check
        before work, not a promise: ``debit`` decides."""
        if self.entries.by_op(draft.op) is not None:
            return True
        return self.available(draft.member_id) >= -draft.delta

    def available(self, member_id: str) -> int:
        """The balance as the ledger has it (credits minus the debit chain's total)."""
        last = self.entries.last_debit(member_id)
        return self.entries.credited(member_id) - (last["debited"] if last else 0)

    # What follows from an entry -------------------------------------------------------------
    def _entry(
        self,
        draft: Draft,
        *,
        entry_id: str,
        at: datetime,
        kind: str,
        seq: int = 0,
        debited: int = 0,
        counts: bool = True,
    ) -> Document:
        entry = {
            "_id": entry_id,
            "op": draft.op,
            "member_id": draft.member_id,
            "delta": draft.delta,
            "reason": draft.reason,
            "ref": draft.ref,
            "at": model.millis(at),
            "rules_version": self.rules.version,
            "note": draft.note,
            "actor_id": draft.actor_id,
            "kind": kind,
            "seq": seq,
            "debited": debited,
            "counts": counts,
            "recorded_at": model.millis(self.clock.now()),
        }
        if counts:  # redemptions are private spending; only what changes standing is announced
            entry.update(stage([(POINTS_TOPIC, self._awarded(entry))]))
        else:
            entry.update({"_outbox_count": 0})
        return entry

    def _follow(self, entry: Document) -> None:
        """The writes after the ledger insert: balance, counters, then the announcement."""
        now_ms = model.millis(self.clock.now())
        account = self.accounts.add_to_balance(entry["member_id"], entry["delta"], now_ms=now_ms)
        if entry["counts"]:
            keys = model.period_keys(from_millis(entry["at"]), self.rules.utc_offset)
            for period, key in keys.items():
                self.counters.add(
                    period=period,
                    key=key,
                    member_id=entry["member_id"],
                    delta=entry["delta"],
                    at_ms=entry["at"],
                    team_id=account.get("team_id", ""),
                    station_id=account.get("station_id", ""),
                )
        self._announce(entry)

    def _announce(self, entry: Document) -> None:
        """Publish the event staged in the entry, then record that with an insert.

        Not ``Outbox.flush``: its ``$unset`` is an update, and FerretDB 1.x scans the whole
        (ever-growing) ledger for each update. A crash before the marker leaves the event
        staged in the entry; the reconciliation publishes it (same event id: consumers that
        already have it ignore it)."""
        if not entry.get(OUTBOX_COUNT):
            return
        self.bus.publish(POINTS_TOPIC, [self._awarded(entry)])
        self.entries.mark_announced(entry["_id"])

    def _awarded(self, entry: Document) -> Event:
        at = from_millis(entry["at"])
        return Event(
            # Derived from the entry, so the staged copy and this one are the same event.
            id=f"{entry['_id']}:awarded",
            type=AWARDED,
            source=SOURCE,
            subject=entry["member_id"],
            time=at,
            data=points_events.PointsAwarded(
                entry_id=entry["_id"],
                member_id=entry["member_id"],
                delta=entry["delta"],
                reason=entry["reason"],
                ref=entry["ref"],
                rules_version=entry["rules_version"],
                at=to_timestamp(at),
            ),
        )

    # Reconciliation --------------------------------------------------------------------------
    def reconcile(self, *, grace_s: float = RECONCILE_GRACE_S) -> Reconciliation:
        """Recompute every balance and counter from the ledger and repair what drifted.

        Members with an entry recorded in the last ``grace_s`` are skipped: their follow-up
        writes may still be in flight, and overwriting under them would lose an increment.
        """
        expected: dict[str, _Expected] = defaultdict(_Expected)
        cutoff = model.millis(self.clock.now()) - int(grace_s * 1000)
        announced = self.entries.announced_ids()
        unannounced = 0
        for entry in self.entries.all():
            self._expect(expected[entry["member_id"]], entry)
            staged = entry.get(OUTBOX_COUNT) and entry["_id"] not in announced
            if staged and entry["recorded_at"] <= cutoff:
                self._announce(entry)
                unannounced += 1
        now_ms = model.millis(self.clock.now())
        report = Reconciliation(announced=unannounced)
        for member_id, wanted in expected.items():
            report.members += 1
            if wanted.newest_recorded_at > cutoff:
                report.skipped_recent += 1
                continue
            account = self.accounts.get(member_id) or {}
            if account.get("balance") != wanted.balance:
                self.accounts.set_balance(member_id, wanted.balance, now_ms=now_ms)
                report.repaired_balances += 1
            report.repaired_counters += self._repair_counters(member_id, account, wanted)
        if report.repaired_balances or report.repaired_counters or report.announced:
            log.warning("points drift repaired", extra={"reconciliation": report.__dict__})
        return report

    def _expect(self, wanted: _Expected, entry: Document) -> None:
        wanted.balance += entry["delta"]
        wanted.newest_recorded_at = max(wanted.newest_recorded_at, entry["recorded_at"])
        if not entry["counts"]:
            return
        keys = model.period_keys(from_millis(entry["at"]), self.rules.utc_offset)
        for period, key in keys.items():
            counter = wanted.counters.setdefault(
                key, {"period": period, "key": key, "points": 0, "reached_at": 0}
            )
            counter["points"] += entry["delta"]
            counter["reached_at"] = max(counter["reached_at"], entry["at"])

    def _repair_counters(self, member_id: str, account: Document, wanted: _Expected) -> int:
        stored = {c["key"]: c for c in self.counters.of_member(member_id)}
        repaired = 0
        for key in stored.keys() - wanted.counters.keys():
            wanted.counters[key] = {**stored[key], "points": 0}  # no entries left: zero it
        for key, counter in wanted.counters.items():
            document = {
                **counter,
                "_id": f"{key}:{member_id}",
                "member_id": member_id,
                "team_id": account.get("team_id", ""),
                "station_id": account.get("station_id", ""),
            }
            current = stored.get(key)
            if current is None or any(current.get(k) != v for k, v in document.items()):
                self.counters.put(document)
                repaired += 1
        return repaired


def entry_id_for(event: Event, draft: Draft) -> str:
    """A credit's id: the source event and the rule (and the member, for per-claimant rules)."""
    return f"{event.id}:{draft.reason}:{draft.member_id}"
