"""The ports: narrow interfaces between the use cases and the adapters that implement them.

Each store (MessageStore, ConversationStore, ReceiptStore, RouteOutbox, BotStore) passes the
same contract tests (tests/contract/) on SQLite, the in-process implementation, and on
PostgreSQL, the networked one; so do the MessageWriter (group commit), and the PresenceRegistry
and EventBus on their in-process and Redis implementations. RoutePlanner, MemberDirectory and
BotDirectory have one implementation each, tested where it is used (tests/routing/,
tests/unit/). Nothing here imports an adapter or an I/O library: the sequence allocators'
interface, which needs a database connection, lives with the storage adapters that alone use
it (storage/sequences.py). The ports are split in two modules (storage.py, live.py) to keep
each file short; every one is imported from here, the one place that lists them.
"""

from openchat.server.ports.live import (
    BotDirectory,
    EventBus,
    EventHandler,
    MemberDirectory,
    MessageWriter,
    PresenceRegistry,
    RateLimiter,
    UserConversations,
)
from openchat.server.ports.storage import (
    BotStore,
    ConversationStore,
    MessageStore,
    PushLedger,
    ReceiptStore,
    RouteOutbox,
    RoutePlanner,
)

__all__ = [
    "BotDirectory",
    "BotStore",
    "ConversationStore",
    "EventBus",
    "EventHandler",
    "MemberDirectory",
    "MessageStore",
    "MessageWriter",
    "PresenceRegistry",
    "PushLedger",
    "RateLimiter",
    "ReceiptStore",
    "RouteOutbox",
    "RoutePlanner",
    "UserConversations",
]
