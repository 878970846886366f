"""The reward catalogue and redemptions: spending points atomically across replicas.

FerretDB 1.x makes a conditional ``findAndModify`` atomic only within one process, so nothing here
decides contention by one: every decision is an insert under a unique key, which fails for all
but one of any number of replicas racing for it.

1. **Idempotency**: the redemption id is derived from (member, ``Idempotency-Key``), and the
   redemption document is inserted first as ``pending``; a retry finds it and returns its outcome
   (or carries a pending one forward).
2. **Balance first**: a member whose balance does not cover the cost is refused before any
   stock is touched (the debit in step 4 still decides; this only spares the stock the work).
3. **Stock**: an item's stock is ``stock`` numbered units; taking one inserts
   ``<item>:<n>`` into ``points_stock_units``, unique by ``_id`` (one redemption per unit) and by
   ``redemption_id`` (one unit per redemption). The free unit taken is the first one after a
   random number, to keep racing replicas apart; a clash means "taken, pick another". Nothing
   proportional to the stock is ever built (a stock of 2^31 once cost 23 GB that way).
   ``stock`` only grows, so a unit number that was valid stays valid.
4. **Points**: the cost is debited in the member's debit chain (``ledger.py``): slot ``n + 1`` is
   inserted only after checking that credits cover every earlier debit plus this one, and a slot
   can be inserted once. A debit is unique per redemption too (``op = redeem:<id>``).
5. If the points do not suffice, the unit is released (deleted) and the redemption is
   ``refused``; otherwise it becomes ``redeemed`` and ``shouwang.points.redeemed`` is staged in
   the same write (the outbox).

A process that dies between the steps leaves a ``pending`` redemption; a retry with the same key,
or ``resume_stale`` (run with the reconciliation), carries it forward through the same steps,
which are idempotent by their unique keys.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from services.points import model
from services.points.ledger import POINTS_TOPIC, InsufficientPoints, Ledger
from services.points.model import Draft
from services.points.repository import (
    UNIT_REDEMPTION_INDEX,
    CatalogueRepository,
    RedemptionRepository,
)
from shouwang.clock import Clock, to_timestamp
from shouwang.errors import Conflict, FieldError, InvalidArgument, NotFound
from shouwang.events import Event
from shouwang.ids import new_id
from shouwang.outbox import Outbox, stage_update
from shouwang.points.v1 import events_pb2 as points_events
from shouwang.points.v1.limits import MAX_COST, MAX_DESCRIPTION, MAX_NAME, MAX_STOCK
from shouwang.store import Document, DuplicateKey

REDEEMED = "shouwang.points.redeemed"
STALE_PENDING_S = 120.0


@dataclass
class Redemptions:
    catalogue: CatalogueRepository
    redemptions: RedemptionRepository
    ledger: Ledger
    outbox: Outbox
    clock: Clock
    rng: random.Random

    # Catalogue -------------------------------------------------------------------------------
    def create_item(
        self, *, officer_id: str, name: str, description: str, cost: int, stock: int
    ) -> Document:
        errors = []
        if not name.strip() or len(name) > MAX_NAME:
            errors.append(FieldError("name", f"is required, at most {MAX_NAME} characters"))
        if len(description) > MAX_DESCRIPTION:
            errors.append(
                FieldError("description", f"must be at most {MAX_DESCRIPTION} characters")
            )
        if not 1 <= cost <= MAX_COST:
            errors.append(FieldError("cost", f"must be between 1 and {MAX_COST}"))
        errors += _stock_errors(stock)
        if errors:
            raise InvalidArgument(detail="invalid catalogue item", errors=errors)
        item = {
            "_id": new_id(),
            "name": name.strip(),
            "description": description,
            "cost": cost,
            "stock": stock,
            "active": True,
            "created_by": officer_id,
            "created_at": model.millis(self.clock.now()),
        }
        self.catalogue.add_item(item)
        return item

    def update_stock(self, *, item_id: str, stock: int, active: bool | None) -> Document:
        if errors := _stock_errors(stock):
            raise InvalidArgument(detail="invalid stock", errors=errors)
        item = self._item(item_id)
        if stock < item["stock"]:
            raise InvalidArgument(
                detail="stock only grows: units already offered may have been taken",
                errors=[FieldError("stock", f"must be at least {item['stock']}")],
            )
        fields: dict = {"stock": stock}
        if active is not None:
            fields["active"] = active
        updated = self.catalogue.update_item(item_id, {"stock": {"$lte": stock}}, fields)
        if updated is None:
            raise Conflict(detail="the stock changed meanwhile; read it and try again")
        return updated

    def remaining(self, item: Document) -> int:
        return max(0, item["stock"] - self.catalogue.count_taken(item["_id"]))

    def _item(self, item_id: str) -> Document:
        item = self.catalogue.get_item(item_id)
        if item is None:
            raise NotFound(detail="no such catalogue item")
        return item

    # Redemptions -----------------------------------------------------------------------------
    def redeem(self, *, member_id: str, item_id: str, idempotency_key: str) -> Document:
        """Spend the item's cost for one unit; the outcome (redeemed or refused) is returned
        and a retry with the same key returns it again."""
        if not idempotency_key:
            raise InvalidArgument(detail="an idempotency key is required")
        redemption_id = redemption_id_for(member_id, idempotency_key)
        existing = self.redemptions.get(redemption_id)
        if existing is None:
            item = self._item(item_id)
            existing = self._open(redemption_id, member_id=member_id, item=item)
        if existing["item_id"] != item_id:
            raise Conflict(detail="this idempotency key was used for another item")
        if existing["status"] != "pending":
            return existing
        return self._carry_forward(existing)

    def _open(self, redemption_id: str, *, member_id: str, item: Document) -> Document:
        redemption = {
            "_id": redemption_id,
            "member_id": member_id,
            "item_id": item["_id"],
            "item_name": item["name"],
            "cost": item["cost"],
            "status": "pending" if item["active"] else "refused",
            "refusal": "" if item["active"] else "item_inactive",
            "created_at": model.millis(self.clock.now()),
            "entry_id": "",
            "unit_id": "",
            "fulfilled_at": 0,
            "fulfilled_by": "",
            "_outbox_count": 0,
        }
        try:
            self.redemptions.add(redemption)
        except DuplicateKey:
            found = self.redemptions.get(redemption_id)
            assert found is not None
            return found
        return redemption

    def _carry_forward(self, redemption: Document) -> Document:
        draft = Draft(
            redemption["member_id"],
            -redemption["cost"],
            model.REDEMPTION,
            redemption["_id"],
            f"redeem:{redemption['_id']}",
        )
        if not self.ledger.covers(draft):
            self._release_unit_of(redemption)  # held by a run that died before its debit
            return self._refuse(redemption, "insufficient_points")
        unit = self._take_unit(redemption)
        if unit is None:
            return self._refuse(redemption, "out_of_stock")
        try:
            entry = self.ledger.debit(draft, at=self.clock.now(), counts=False)
        except InsufficientPoints:
            self.catalogue.release_unit(unit["_id"])
            return self._refuse(redemption, "insufficient_points")
        assert entry is not None
        event = self._redeemed_event(redemption)
        done = self.redemptions.transition(
            redemption["_id"],
            status="pending",
            update={
                "$set": {
                    "status": "redeemed",
                    "entry_id": entry["_id"],
                    "unit_id": unit["_id"],
                    **stage_update([(POINTS_TOPIC, event)])["$set"],
                },
                "$inc": {"_outbox_count": 1},
            },
        )
        if done is None:  # a concurrent retry finished it first
            found = self.redemptions.get(redemption["_id"])
            assert found is not None
            return found
        self.outbox.flush(done)
        return self.redemptions.get(redemption["_id"]) or done

    def _take_unit(self, redemption: Document) -> Document | None:
        held = self.catalogue.unit_of(redemption["_id"])
        if held is not None:
            return held
        item = self._item(redemption["item_id"])
        while True:
            number = self.catalogue.free_unit(
                item["_id"], stock=item["stock"], start=self.rng.randint(1, max(item["stock"], 1))
            )
            if number is None:
                return None
            unit = {
                "_id": f"{item['_id']}:{number}",
                "item_id": item["_id"],
                "unit": number,
                "redemption_id": redemption["_id"],
                "taken_at": model.millis(self.clock.now()),
            }
            try:
                self.catalogue.take_unit(unit)
                return unit
            except DuplicateKey as clash:
                held = self.catalogue.unit_of(redemption["_id"])
                if clash.index == UNIT_REDEMPTION_INDEX or held is not None:
                    return held

    def _release_unit_of(self, redemption: Document) -> None:
        held = self.catalogue.unit_of(redemption["_id"])
        if held is not None:
            self.catalogue.release_unit(held["_id"])

    def _refuse(self, redemption: Document, reason: str) -> Document:
        refused = self.redemptions.transition(
            redemption["_id"],
            status="pending",
            update={"$set": {"status": "refused", "refusal": reason}},
        )
        return refused or self.redemptions.get(redemption["_id"]) or redemption

    def fulfil(self, *, redemption_id: str, officer_id: str) -> Document:
        done = self.redemptions.transition(
            redemption_id,
            status="redeemed",
            update={
                "$set": {
                    "status": "fulfilled",
                    "fulfilled_at": model.millis(self.clock.now()),
                    "fulfilled_by": officer_id,
                }
            },
        )
        if done is not None:
            return done
        current = self.redemptions.get(redemption_id)
        if current is None:
            raise NotFound(detail="no such redemption")
        if current["status"] == "fulfilled":
            return current
        raise Conflict(detail=f"a {current['status']} redemption cannot be fulfilled")

    def resume_stale(self) -> int:
        """Carry forward redemptions left pending by a process that died mid-way."""
        cutoff = model.millis(self.clock.now()) - int(STALE_PENDING_S * 1000)
        stale = self.redemptions.stale_pending(created_before_ms=cutoff)
        for redemption in stale:
            self._carry_forward(redemption)
        return len(stale)

    def _redeemed_event(self, redemption: Document) -> Event:
        now = self.clock.now()
        return Event(
            type=REDEEMED,
            source="/shouwang/points",
            subject=redemption["member_id"],
            time=now,
            data=points_events.PointsRedeemed(
                redemption_id=redemption["_id"],
                member_id=redemption["member_id"],
                item_id=redemption["item_id"],
                cost=redemption["cost"],
                at=to_timestamp(now),
            ),
        )


def _stock_errors(stock: int) -> list[FieldError]:
    if 0 <= stock <= MAX_STOCK:
        return []
    return [FieldError("stock", f"must be between 0 and {MAX_STOCK}")]


def redemption_id_for(member_id: str, idempotency_key: str) -> str:
    """The same member and key always name the same redemption (so its insert decides retries)."""
    digest = hashlib.sha256(f"{member_id}\x1f{idempotency_key}".encode()).hexdigest()
    return f"rd{digest[:30]}"
