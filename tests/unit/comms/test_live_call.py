"""The live call's state machine (services/comms/live_call.py): who may do what, in which state,
and how the system ends a call."""

from __future__ import annotations

import pytest

from services.comms import live_call
from services.comms.live_call import CallLimits, EndReason, LiveCall, Status
from shouwang.errors import Conflict, Forbidden, InvalidArgument

OFFICER, MEMBER, STRANGER = "officer-1", "member-1", "member-2"
T0 = 1_000_000
LIMITS = CallLimits(ring_ms=45_000, max_ms=600_000)


def ringing() -> LiveCall:
    return live_call.ring(
        call_id="call-1",
        officer_id=OFFICER,
        member_id=MEMBER,
        station_id="st-1",
        task_id="",
        now_ms=T0,
    )


def connected() -> LiveCall:
    return live_call.accept(ringing(), MEMBER, now_ms=T0 + 3_000)


def test_a_new_call_rings_and_has_connected_for_no_time() -> None:
    call = ringing()
    assert call.status is Status.RINGING and call.live
    assert call.connected_ms == 0


def test_an_officer_cannot_call_themselves() -> None:
    with pytest.raises(InvalidArgument) as refused:
        live_call.ring(
            call_id="c", officer_id=OFFICER, member_id=OFFICER, station_id="", task_id="", now_ms=0
        )
    assert refused.value.errors[0].field == "member_id"


def test_the_member_accepts_and_the_call_connects() -> None:
    call = connected()
    assert call.status is Status.CONNECTED and call.accepted_at_ms == T0 + 3_000


@pytest.mark.parametrize("who", [OFFICER, STRANGER])
def test_only_the_called_member_accepts(who: str) -> None:
    with pytest.raises(Forbidden):
        live_call.accept(ringing(), who, now_ms=T0)


@pytest.mark.parametrize("who", [OFFICER, STRANGER])
def test_only_the_called_member_declines(who: str) -> None:
    with pytest.raises(Forbidden):
        live_call.decline(ringing(), who, now_ms=T0)


def test_a_declined_call_never_connects() -> None:
    declined = live_call.decline(ringing(), MEMBER, now_ms=T0 + 1_000)
    assert declined.status is Status.DECLINED and not declined.live
    assert declined.end_reason == EndReason.DECLINED and declined.ended_by == MEMBER
    assert declined.connected_ms == 0 and declined.accepted_at_ms == 0
    with pytest.raises(Conflict):
        live_call.accept(declined, MEMBER, now_ms=T0 + 2_000)


def test_a_connected_call_cannot_be_accepted_or_declined_again() -> None:
    with pytest.raises(Conflict):
        live_call.accept(connected(), MEMBER, now_ms=T0 + 5_000)
    with pytest.raises(Conflict):
        live_call.decline(connected(), MEMBER, now_ms=T0 + 5_000)


@pytest.mark.parametrize("who", [OFFICER, MEMBER])
def test_either_party_ends_the_call_and_its_connected_time_is_kept(who: str) -> None:
    ended = live_call.hang_up(connected(), who, now_ms=T0 + 63_000)
    assert ended.status is Status.ENDED and ended.ended_by == who
    assert ended.end_reason == EndReason.HUNG_UP
    assert ended.connected_ms == 60_000


def test_the_officer_may_hang_up_while_it_still_rings() -> None:
    ended = live_call.hang_up(ringing(), OFFICER, now_ms=T0 + 1_000)
    assert ended.status is Status.ENDED and ended.connected_ms == 0


def test_a_stranger_cannot_end_a_call() -> None:
    with pytest.raises(Forbidden):
        live_call.hang_up(connected(), STRANGER, now_ms=T0)


def test_an_ended_call_cannot_be_ended_again() -> None:
    ended = live_call.hang_up(connected(), OFFICER, now_ms=T0 + 10_000)
    with pytest.raises(Conflict):
        live_call.hang_up(ended, MEMBER, now_ms=T0 + 11_000)


@pytest.mark.parametrize("state", [ringing, connected])
def test_signals_go_to_the_other_party_while_the_call_is_live(state) -> None:
    call = state()
    assert live_call.check_signal(call, OFFICER, "offer", 4_000) == MEMBER
    assert live_call.check_signal(call, MEMBER, "candidate", 200) == OFFICER


def test_no_signal_is_relayed_after_the_end() -> None:
    ended = live_call.hang_up(connected(), OFFICER, now_ms=T0 + 10_000)
    with pytest.raises(Conflict):
        live_call.check_signal(ended, MEMBER, "candidate", 200)


def test_a_stranger_cannot_signal() -> None:
    with pytest.raises(Forbidden):
        live_call.check_signal(connected(), STRANGER, "offer", 100)


def test_an_oversized_signal_of_an_unknown_kind_is_refused_naming_both_fields() -> None:
    with pytest.raises(InvalidArgument) as refused:
        live_call.check_signal(connected(), MEMBER, "bye", live_call.MAX_SIGNAL_BYTES + 1)
    assert [e.field for e in refused.value.errors] == ["kind", "payload"]


def test_a_call_ringing_past_the_ring_time_is_overdue_and_ends_unanswered() -> None:
    call = ringing()
    assert not live_call.overdue(call, LIMITS, now_ms=T0 + 44_999)
    assert live_call.overdue(call, LIMITS, now_ms=T0 + 45_000)
    ended = live_call.cut_off(call, EndReason.MAX_DURATION, now_ms=T0 + 45_000)
    assert ended is not None and ended.end_reason == EndReason.UNANSWERED


def test_a_connected_call_is_cut_off_at_the_maximum_counted_from_the_accept() -> None:
    call = connected()
    assert call.deadline_ms(LIMITS) == T0 + 3_000 + 600_000
    assert not live_call.overdue(call, LIMITS, now_ms=T0 + 600_000)
    assert live_call.overdue(call, LIMITS, now_ms=T0 + 603_000)
    ended = live_call.cut_off(call, EndReason.MAX_DURATION, now_ms=T0 + 603_000)
    assert ended is not None and ended.end_reason == EndReason.MAX_DURATION
    assert ended.ended_by == "" and ended.connected_ms == 600_000


def test_the_system_ends_nothing_that_is_over() -> None:
    ended = live_call.hang_up(connected(), OFFICER, now_ms=T0 + 10_000)
    assert live_call.cut_off(ended, EndReason.SUSPENDED, now_ms=T0 + 20_000) is None
    assert ended.deadline_ms(LIMITS) == 0 and not live_call.overdue(ended, LIMITS, now_ms=T0 * 9)
