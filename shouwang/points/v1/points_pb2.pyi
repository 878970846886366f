import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetAccountRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("member_id", "balance", "opened_at")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    balance: int
    opened_at: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., balance: _Optional[int] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListEntriesRequest(_message.Message):
    __slots__ = ("member_id", "limit", "page_size", "page_token")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    limit: int
    page_size: int
    page_token: str
    def __init__(self, member_id: _Optional[str] = ..., limit: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Entry(_message.Message):
    __slots__ = ("entry_id", "member_id", "delta", "reason", "ref", "at", "rules_version", "note")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    member_id: str
    delta: int
    reason: str
    ref: str
    at: _timestamp_pb2.Timestamp
    rules_version: str
    note: str
    def __init__(self, entry_id: _Optional[str] = ..., member_id: _Optional[str] = ..., delta: _Optional[int] = ..., reason: _Optional[str] = ..., ref: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rules_version: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class EntryList(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[Entry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[Entry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetLeaderboardRequest(_message.Message):
    __slots__ = ("period", "scope", "scope_id", "member_id", "limit")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    period: str
    scope: str
    scope_id: str
    member_id: str
    limit: int
    def __init__(self, period: _Optional[str] = ..., scope: _Optional[str] = ..., scope_id: _Optional[str] = ..., member_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class LeaderboardEntry(_message.Message):
    __slots__ = ("rank", "member_id", "name", "points")
    RANK_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    rank: int
    member_id: str
    name: str
    points: int
    def __init__(self, rank: _Optional[int] = ..., member_id: _Optional[str] = ..., name: _Optional[str] = ..., points: _Optional[int] = ...) -> None: ...

class Leaderboard(_message.Message):
    __slots__ = ("period", "scope", "scope_id", "period_key", "entries", "caller")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_KEY_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    CALLER_FIELD_NUMBER: _ClassVar[int]
    period: str
    scope: str
    scope_id: str
    period_key: str
    entries: _containers.RepeatedCompositeFieldContainer[LeaderboardEntry]
    caller: LeaderboardEntry
    def __init__(self, period: _Optional[str] = ..., scope: _Optional[str] = ..., scope_id: _Optional[str] = ..., period_key: _Optional[str] = ..., entries: _Optional[_Iterable[_Union[LeaderboardEntry, _Mapping]]] = ..., caller: _Optional[_Union[LeaderboardEntry, _Mapping]] = ...) -> None: ...

class RecordQuizAnswerRequest(_message.Message):
    __slots__ = ("member_id", "quiz_id", "correct", "answered_at")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    QUIZ_ID_FIELD_NUMBER: _ClassVar[int]
    CORRECT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    quiz_id: str
    correct: bool
    answered_at: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., quiz_id: _Optional[str] = ..., correct: _Optional[bool] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PenaliseRequest(_message.Message):
    __slots__ = ("officer_id", "member_id", "points", "reason", "request_id")
    OFFICER_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    officer_id: str
    member_id: str
    points: int
    reason: str
    request_id: str
    def __init__(self, officer_id: _Optional[str] = ..., member_id: _Optional[str] = ..., points: _Optional[int] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class Award(_message.Message):
    __slots__ = ("entry_id", "member_id", "delta", "balance")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    member_id: str
    delta: int
    balance: int
    def __init__(self, entry_id: _Optional[str] = ..., member_id: _Optional[str] = ..., delta: _Optional[int] = ..., balance: _Optional[int] = ...) -> None: ...

class CreateItemRequest(_message.Message):
    __slots__ = ("officer_id", "name", "cost", "stock", "description")
    OFFICER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    officer_id: str
    name: str
    cost: int
    stock: int
    description: str
    def __init__(self, officer_id: _Optional[str] = ..., name: _Optional[str] = ..., cost: _Optional[int] = ..., stock: _Optional[int] = ..., description: _Optional[str] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ("item_id", "name", "description", "cost", "stock", "remaining", "active")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    name: str
    description: str
    cost: int
    stock: int
    remaining: int
    active: bool
    def __init__(self, item_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., cost: _Optional[int] = ..., stock: _Optional[int] = ..., remaining: _Optional[int] = ..., active: _Optional[bool] = ...) -> None: ...

class ListItemsRequest(_message.Message):
    __slots__ = ("include_inactive", "page_size", "page_token")
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    include_inactive: bool
    page_size: int
    page_token: str
    def __init__(self, include_inactive: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ItemList(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Item]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[Item, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateStockRequest(_message.Message):
    __slots__ = ("officer_id", "item_id", "stock", "active")
    OFFICER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    officer_id: str
    item_id: str
    stock: int
    active: bool
    def __init__(self, officer_id: _Optional[str] = ..., item_id: _Optional[str] = ..., stock: _Optional[int] = ..., active: _Optional[bool] = ...) -> None: ...

class RedeemRequest(_message.Message):
    __slots__ = ("member_id", "item_id", "idempotency_key")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    item_id: str
    idempotency_key: str
    def __init__(self, member_id: _Optional[str] = ..., item_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class Redemption(_message.Message):
    __slots__ = ("redemption_id", "member_id", "item_id", "cost", "status", "refusal", "created_at", "fulfilled_at", "fulfilled_by", "item_name")
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FULFILLED_AT_FIELD_NUMBER: _ClassVar[int]
    FULFILLED_BY_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    redemption_id: str
    member_id: str
    item_id: str
    cost: int
    status: str
    refusal: str
    created_at: _timestamp_pb2.Timestamp
    fulfilled_at: _timestamp_pb2.Timestamp
    fulfilled_by: str
    item_name: str
    def __init__(self, redemption_id: _Optional[str] = ..., member_id: _Optional[str] = ..., item_id: _Optional[str] = ..., cost: _Optional[int] = ..., status: _Optional[str] = ..., refusal: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fulfilled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fulfilled_by: _Optional[str] = ..., item_name: _Optional[str] = ...) -> None: ...

class FulfillRedemptionRequest(_message.Message):
    __slots__ = ("officer_id", "redemption_id")
    OFFICER_ID_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    officer_id: str
    redemption_id: str
    def __init__(self, officer_id: _Optional[str] = ..., redemption_id: _Optional[str] = ...) -> None: ...

class ListRedemptionsRequest(_message.Message):
    __slots__ = ("member_id", "status", "limit", "page_size", "page_token")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    status: str
    limit: int
    page_size: int
    page_token: str
    def __init__(self, member_id: _Optional[str] = ..., status: _Optional[str] = ..., limit: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class RedemptionList(_message.Message):
    __slots__ = ("redemptions", "next_page_token")
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    redemptions: _containers.RepeatedCompositeFieldContainer[Redemption]
    next_page_token: str
    def __init__(self, redemptions: _Optional[_Iterable[_Union[Redemption, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
