"""Talking to a container over its attach socket: send the request, collect bounded output.

Docker multiplexes a non-TTY container's stdout and stderr on one stream of frames, each with an
8-byte header (stream id, 3 zero bytes, big-endian uint32 length). stdout carries only the runner's
result frame; stderr carries whatever the code printed, of which only the tail is kept (for the critic).
Every socket operation is bounded by the deadline, and reading stops at the output cap, so neither a
silent nor a chatty program can hold the host.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

STDOUT, STDERR = 1, 2
STDERR_TAIL = 16_384
CHUNK = 65_536


@dataclass(frozen=True)
class Exchange:
    """What came back over the attach socket before EOF, the deadline or the cap (whichever came first)."""

    stdout: bytes
    stderr_tail: bytes
    timed_out: bool = False
    over_limit: bool = False


def raw_socket(attached: object) -> socket.socket:
    """The plain socket under what ``APIClient.attach_socket`` returns (a ``SocketIO`` on unix/TCP)."""
    return getattr(attached, "_sock", attached)


class _Demux:
    """Incremental parser of Docker's multiplexed stream, counting every payload byte."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.buffer += data
        offset = 0
        while len(self.buffer) - offset >= 8:
            size = int.from_bytes(self.buffer[offset + 4 : offset + 8], "big")
            if len(self.buffer) - offset - 8 < size:
                break
            payload = self.buffer[offset + 8 : offset + 8 + size]
            if self.buffer[offset] == STDOUT:
                self.stdout += payload
            else:
                self.stderr += payload
                del self.stderr[:-STDERR_TAIL]
            self.total += size
            offset += 8 + size
        del self.buffer[:offset]


def _remaining(deadline: float) -> float:
    return deadline - time.monotonic()


def exchange(sock: socket.socket, request: bytes, deadline: float, max_bytes: int) -> Exchange:
    """Send ``request`` as the container's whole stdin, then read its output until EOF.

    A container that dies before reading everything resets the connection; that is not an error here
    (its exit status tells the story), so send failures just move on to reading what it left.
    """
    demux = _Demux()

    def result(**flags: bool) -> Exchange:
        return Exchange(bytes(demux.stdout), bytes(demux.stderr), **flags)

    try:
        sock.settimeout(max(_remaining(deadline), 0.001))
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
    except TimeoutError:
        return result(timed_out=True)
    except OSError:
        pass
    while True:
        left = _remaining(deadline)
        if left <= 0:
            return result(timed_out=True)
        sock.settimeout(left)
        try:
            data = sock.recv(CHUNK)
        except TimeoutError:
            return result(timed_out=True)
        except OSError:
            data = b""
        if not data:
            return result()
        demux.feed(data)
        if demux.total + len(demux.buffer) > max_bytes:
            return result(over_limit=True)
