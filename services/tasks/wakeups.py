"""When this replica expects its tasks' next steps. Only a hint: the timer reads those tasks by
id when the moment comes instead of querying every task several times a second (on FerretDB 1.x
each such query scans the collection). The store stays the truth — a slower sweep of its due
tasks finds the steps that a crashed or restarted replica remembered.
"""

from __future__ import annotations

import heapq
import threading


class Wakeups:
    def __init__(self) -> None:
        self._heap: list[tuple[int, str]] = []
        self._due: dict[str, int] = {}  # the latest moment remembered per task
        self._lock = threading.Lock()

    def remember(self, task_id: str, due_ms: int) -> None:
        with self._lock:
            self._due[task_id] = due_ms
            heapq.heappush(self._heap, (due_ms, task_id))

    def pop_due(self, now_ms: int) -> list[str]:
        """Tasks whose remembered moment has come, each once; earlier moments that a later
        ``remember`` replaced are dropped."""
        due = []
        with self._lock:
            while self._heap and self._heap[0][0] <= now_ms:
                due_ms, task_id = heapq.heappop(self._heap)
                if self._due.get(task_id) == due_ms:
                    del self._due[task_id]
                    due.append(task_id)
        return due

    def __len__(self) -> int:
        with self._lock:
            return len(self._due)
