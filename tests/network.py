"""Local ports for tests that start a server or need a connection refused."""

import socket


def free_local_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now: for a server a test starts there, or
    for a connection the test wants refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
