"""SharedFrames: a message's ServerFrame, converted once for all the sessions it goes to."""

from __future__ import annotations

from collections import OrderedDict

from openchat.server.domain.frames import Outbound
from openchat.server.domain.model import Message
from openchat.server.transport.converters import server_frame
from openchat.v1.presence_service_pb2 import ServerFrame

# Messages remembered: more than a fan-out has in flight at once (each member's session writes
# its frame within a few loop iterations of the push).
CAPACITY = 256


class SharedFrames:
    """The ServerFrame of each outbound frame, converted once per message object.

    A message to a group is one object pushed to every member's session on the node (and a
    catch-up page read once is shared by the sessions that resume from it); each session's
    stream converted it again, ~7 µs a time: ~7 ms of a 1,000-member group's fan-out. Messages
    are found by identity among the most recent ones, so that an equal message of another push
    is never mistaken for this one; the ServerFrame is only ever read (serialized, or copied
    into an OpenSessionResponse), never changed. Other frames are converted each time: they
    go to one session, or are too cheap to keep.
    """

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        # id(message) -> (the message, kept alive so that its id stays its own; its frame)
        self._recent: OrderedDict[int, tuple[Message, ServerFrame]] = OrderedDict()

    def of(self, frame: Outbound) -> ServerFrame:
        if not isinstance(frame, Message):
            return server_frame(frame)
        remembered = self._recent.get(id(frame))
        if remembered is not None:
            return remembered[1]
        converted = server_frame(frame)
        self._recent[id(frame)] = (frame, converted)
        if len(self._recent) > self._capacity:
            self._recent.popitem(last=False)
        return converted
