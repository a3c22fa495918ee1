"""The notes of the intake a manager has just submitted, held in memory for the results page.

The results page is reached by a redirect after the form (POST/redirect/GET), so the notes
of the submitted form are no longer in the request. When the tenant does not store notes,
they are kept here, in this process's memory only, for the session that submitted them and
for ``TTL`` at most: the page can then highlight the evidence in the notes right after the
intake. Nothing of this is written to the store or to a log; logout drops the session's
entries, and a reopened match (from the history, after the TTL, or in another process)
shows only what the store holds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

TTL_S = 30 * 60
CAPACITY = 256


@dataclass(frozen=True)
class RecentIntake:
    notes: str
    needs: list[dict]  # as matched, evidence not redacted
    results: list[dict]
    intake: dict  # the structured fields of the form (household, ISEE, funding, distance)
    expires_at: float


class RecentIntakes:
    def __init__(self, ttl_s: float = TTL_S, capacity: int = CAPACITY):
        self.ttl_s, self.capacity = ttl_s, capacity
        self._items: OrderedDict[tuple[str, str], RecentIntake] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, session_id: str, match_id: str, notes: str, needs: list[dict], results: list[dict], intake: dict) -> None:
        with self._lock:
            self._drop_expired()
            self._items[(session_id, match_id)] = RecentIntake(notes, needs, results, intake, time.monotonic() + self.ttl_s)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get(self, session_id: str, match_id: str) -> RecentIntake | None:
        with self._lock:
            self._drop_expired()
            return self._items.get((session_id, match_id))

    def forget_session(self, session_id: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == session_id]:
                del self._items[key]

    def __len__(self) -> int:
        with self._lock:
            self._drop_expired()
            return len(self._items)

    def _drop_expired(self) -> None:
        at = time.monotonic()
        for key in [k for k, v in self._items.items() if v.expires_at <= at]:
            del self._items[key]
