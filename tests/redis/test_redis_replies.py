#!/usr/bin/env python3
"""Replies a Redis worker does not expect: the real `mloda stream` worker and `mloda produce`
talk to a real redis-server through a proxy that passes everything on, except that the
n-th reply to one command is replaced by another one: a reply of the wrong type, an error,
a nil, an array of the wrong shape, a dropped connection. Such replies come from proxies,
other server versions or look-alike servers (KeyDB, Dragonfly) in users' deployments.

Each case must end one of two ways, never by a crash (a signal) or a hang (30 s):
exit 0 having delivered every result exactly once (the reply was retried or harmless), or
a non-zero exit with a message that names the server ("redis://127.0.0.1:PORT").

    tests/redis/test_redis_replies.py BUILD_DIR
Prints "ok  name" / "FAIL name: why" lines and "# redis replies: N passed, N failed".
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

passed = 0
failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {why}"[:2000])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Reader:
    """RESP framing over a socket: whole commands (arrays of bulk strings) or replies."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def _line(self, at):
        while True:
            end = self.buf.find(b"\r\n", at)
            if end >= 0:
                return end
            self._fill()

    def _frame_end(self, at):
        """The index just past the RESP value starting at `at`."""
        end = self._line(at)
        kind, head = self.buf[at:at + 1], self.buf[at + 1:end]
        if kind in (b"+", b"-", b":"):
            return end + 2
        if kind == b"$":
            n = int(head)
            if n < 0:
                return end + 2
            while len(self.buf) < end + 2 + n + 2:
                self._fill()
            return end + 2 + n + 2
        if kind == b"*":
            n = int(head)
            at = end + 2
            for _ in range(max(n, 0)):
                at = self._frame_end(at)
            return at
        raise ValueError(f"not RESP: {self.buf[at:at + 20]!r}")

    def frame(self):
        while not self.buf:
            self._fill()
        end = self._frame_end(0)
        raw, self.buf = self.buf[:end], self.buf[end:]
        return raw


def command_words(raw):
    """The words of a RESP array of bulk strings."""
    words, lines, i = [], raw.split(b"\r\n"), 1
    while i < len(lines) - 1:
        if lines[i].startswith(b"$"):
            words.append(lines[i + 1])
            i += 2
        else:
            i += 1
    return words


class Proxy:
    """Passes client <-> redis-server traffic, replacing the reply to the `nth` command
    whose first words are `match` by `replacement` (None: close the connection instead)."""

    def __init__(self, redis_port, match, nth, replacement):
        self.redis_port, self.match, self.nth, self.replacement = redis_port, match, nth, replacement
        self.seen = 0
        self.replaced = False
        self.lock = threading.Lock()
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            s = socket.create_connection(("127.0.0.1", self.redis_port))
            pending = []  # per sent command: replace its reply?
            cv = threading.Condition()
            threading.Thread(target=self._up, args=(c, s, pending, cv), daemon=True).start()
            threading.Thread(target=self._down, args=(c, s, pending, cv), daemon=True).start()

    def _up(self, c, s, pending, cv):
        rd = Reader(c)
        try:
            while True:
                raw = rd.frame()
                words = [w.decode("latin-1").upper() for w in command_words(raw)[:len(self.match)]]
                replace = False
                if words == [m.upper() for m in self.match]:
                    with self.lock:
                        self.seen += 1
                        if self.seen == self.nth:
                            replace = self.replaced = True
                with cv:
                    pending.append(replace)
                    cv.notify()
                s.sendall(raw)
        except (EOFError, OSError, ValueError):
            for x in (c, s):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _down(self, c, s, pending, cv):
        rd = Reader(s)
        try:
            while True:
                raw = rd.frame()
                with cv:
                    while not pending:
                        cv.wait()
                    replace = pending.pop(0)
                if replace and self.replacement is None:
                    raise EOFError
                c.sendall(self.replacement if replace else raw)
        except (EOFError, OSError, ValueError):
            for x in (c, s):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.lsock.close()


def redis_cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                          text=True, timeout=30).stdout.strip()


# Wrong shapes, errors and nils for each command a worker or the producer sends.
WRONG = [b":7\r\n", b"-ERR injected by the test proxy\r\n", b"$-1\r\n", b"*1\r\n:1\r\n",
         b"*2\r\n$2\r\nin\r\n:3\r\n", b"+OK\r\n"]
XREAD_SHAPES = [
    b"*1\r\n*2\r\n$2\r\nin\r\n*1\r\n:5\r\n",                          # an entry that is no array
    b"*1\r\n*2\r\n$2\r\nin\r\n*1\r\n*2\r\n$3\r\n1-1\r\n:4\r\n",      # fields that are no array
    b"*1\r\n*2\r\n$2\r\nin\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n",  # no batch
    b"-LOADING Redis is loading the dataset in memory\r\n",
    b"-NOGROUP No such key 'in' or consumer group 'g'\r\n",
]
WORKER_COMMANDS = [("TYPE",), ("XINFO", "GROUPS"), ("XGROUP", "CREATE"), ("SCRIPT", "LOAD"),
                   ("XREADGROUP",), ("XAUTOCLAIM",), ("EVALSHA",)]
# Later occurrences: the second TYPE (the dead-letter key), the blocking read after the
# history, the dead letter's script, the stats' and the idle check's XINFO, the end's
# XPENDING; with the replies that differ most.
LATER = [(("TYPE",), 2), (("XREADGROUP",), 2), (("EVALSHA",), 2), (("XINFO", "GROUPS"), 2),
         (("XINFO", "GROUPS"), 4), (("XPENDING",), 1)]
LATER_REPLIES = [b":7\r\n", b"-ERR injected by the test proxy\r\n", b"$-1\r\n", None]


def worker_case(mloda, scratch, redis_port, match, nth, reply):
    redis_cli(redis_port, "DEL", "in", "out", "in:dead")
    for v in ("[1.5, 2]", "[4]", "[\"bad\"]"):
        redis_cli(redis_port, "XADD", "in", "*", "batch", '{"T": {"v": %s}}' % v)
    proxy = Proxy(redis_port, match, nth, reply)
    url = f"redis://127.0.0.1:{proxy.port}"
    args = [mloda, "stream", "--request", os.path.join(scratch, "req.json"), "--batches",
            url + "/in", "--group", "g", "--from", "0", "--output", url + "/out",
            "--watch-timeout", "0.3", "--claim-after", "0.2", "--claim-interval", "0.2",
            "--stats", "0.1"]
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=30)
        code, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        code, err = None, "hung (30 s)"
    proxy.close()
    name = f"worker, {' '.join(match)} reply {nth} -> {reply!r}"[:150]
    if not proxy.replaced:
        check(name, False, "the worker never sent the command: nothing was replaced")
        return False
    if code is None or code < 0:
        check(name, False, f"exit {code}: {err[-600:]}")
    elif code == 0:
        inputs = redis_cli(redis_port, "XLEN", "out")
        dead = redis_cli(redis_port, "XLEN", "in:dead")
        check(name, inputs == "4" and dead == "1",
              f"exit 0 but OUT has {inputs} entries (want 4), dead letters {dead}: {err[-400:]}")
    else:
        check(name, f"redis://127.0.0.1:{proxy.port}" in err or "redis://" in err,
              f"exit {code} without naming the server: {err[-600:]}")
    return proxy.replaced


def test_worker(mloda, scratch, redis_port):
    with open(os.path.join(scratch, "req.json"), "w") as f:
        f.write('{"features": ["v", "v__sum_aggr"], "api_data": {"T": {"v": [1.0]}}}')
    for match in WORKER_COMMANDS:
        replies = WRONG + [None] + (XREAD_SHAPES if match == ("XREADGROUP",) else [])
        for reply in replies:
            worker_case(mloda, scratch, redis_port, match, 1, reply)
    for match, nth in LATER:
        for reply in LATER_REPLIES:
            worker_case(mloda, scratch, redis_port, match, nth, reply)


def test_produce(mloda, scratch, redis_port):
    path = os.path.join(scratch, "b.ndjson")
    with open(path, "w") as f:
        f.write('{"T": {"v": [1]}}\n{"T": {"v": [2]}}\n')
    for match in (("TYPE",), ("XADD",)):
        for reply in WRONG + [None]:
            redis_cli(redis_port, "DEL", "p")
            proxy = Proxy(redis_port, match, 1, reply)
            try:
                p = subprocess.run([mloda, "produce", "--to",
                                    f"redis://127.0.0.1:{proxy.port}/p", path],
                                   capture_output=True, text=True, timeout=30)
                code, err = p.returncode, p.stderr
            except subprocess.TimeoutExpired:
                code, err = None, "hung (30 s)"
            proxy.close()
            name = f"produce, {' '.join(match)} reply -> {reply!r}"
            check(name + ": replaced", proxy.replaced, "the producer never sent the command")
            if code is None or code < 0:
                check(name, False, f"exit {code}: {err[-600:]}")
            elif code == 0:
                check(name, "2 entries added" in err, err[-400:])
            else:
                check(name, "redis://" in err, f"exit {code}: {err[-600:]}")


def main():
    if len(sys.argv) != 2:
        print("usage: test_redis_replies.py BUILD_DIR", file=sys.stderr)
        return 2
    mloda = os.path.join(os.path.abspath(sys.argv[1]), "mloda")
    if shutil.which("redis-server") is None:
        check("redis-server is installed", False, "run scripts/deps.sh")
        print(f"# redis replies: {passed} passed, {failed} failed")
        return 1
    scratch = tempfile.mkdtemp(prefix="mloda_replies_")
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--dir", scratch, "--protected-mode", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if redis_cli(port, "PING") == "PONG":
                break
            time.sleep(0.05)
        test_worker(mloda, scratch, port)
        test_produce(mloda, scratch, port)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"# redis replies: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
