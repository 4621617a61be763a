"""A threaded compute server: ``python -m concore serve`` or :func:`make_server`.

Standard library only. The main thread accepts connections; each connection is
served by its own thread (HTTP/1.1 keep-alive), and at most ``threads`` requests
compute at once, admitted in arrival order. Because concore's kernels release the
GIL, requests compute truly in parallel, and a lone request still uses every core
(the process-wide core budget shares the cores between concurrent requests).

Endpoints (every response is JSON unless raw float64 was asked for):

``POST /v1/reduce?ops=sum,mean,std,min,max[&ddof=0]``
    ``{op: value}`` computed with concore's reductions (NumPy's answers, bit for
    bit: floats are written with Python's shortest round-trip repr).
``POST /v1/histogram?bins=10[&range=lo,hi]``
    ``{"counts": [...], "edges": [...]}`` as ``numpy.histogram`` gives them.
``POST /v1/evaluate?expr=...``
    ``concore.evaluate(expr, {"x": body})``: ``{"result": scalar}`` for
    ``sum(...)``/``prod(...)``, else the array: ``{"result": [...]}``, or raw
    little-endian float64 with ``Accept: application/octet-stream``. The
    expression must be URL-encoded (``+`` is ``%2B``).
``GET /health``, ``GET /v1/config``
    liveness, and ``concore.show_config()`` plus the server's settings.

Request bodies are raw little-endian float64 (any ``Content-Type`` but JSON), or
``Content-Type: application/json`` with a flat list of numbers (no NaN/Infinity,
which JSON does not have). Responses are strict JSON: a non-finite result is the
string ``"NaN"``, ``"Infinity"`` or ``"-Infinity"`` (``float()`` reads them back).

Bad input gets a 4xx with ``{"error": ..., "status": ...}``; an unexpected failure
inside a handler gets a 500 and the server keeps serving. Bodies larger than
``max_body`` are refused (413) before any of them is read, and no handler reads
past ``Content-Length``. Every socket operation has a timeout, and bodies are read
before a request takes a compute slot, so a slow or half-closed client holds only
its own connection. :meth:`ComputeServer.shutdown` (and SIGTERM / Ctrl-C for the
command) stops accepting, lets requests in flight finish and closes idle
connections. Between requests nothing spins: concore loads GNU OpenMP with a
short spin count (see ``concore._config``), and the accept loop sleeps in
``select``.
"""
import http.server
import json
import math
import os
import selectors
import socket
import sys
import threading
import time
import traceback
from collections import deque
from urllib.parse import parse_qsl, urlsplit

import numpy as np

import concore

__all__ = ["make_server", "ComputeServer", "serve", "DEFAULT_MAX_BODY"]

DEFAULT_MAX_BODY = 256 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
REDUCE_OPS = ("sum", "mean", "std", "var", "min", "max", "ptp", "argmin", "argmax",
              "nansum", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax",
              "nanargmin", "nanargmax")
DEFAULT_OPS = ("sum", "mean", "std", "min", "max")
MAX_BINS = 10**6  # the JSON answer grows with bins, not with the body: keep it bounded
_DISCARD_CHUNK = 1 << 16


class _HTTPError(Exception):
    """An error response: status, message, and whether the connection must close."""

    def __init__(self, status, message, close=False, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close
        self.headers = headers or {}


# ---------------------------------------------------------------- fairness

class _FairSlots:
    """A counting semaphore that admits waiters in arrival order.

    A released slot is handed straight to the oldest waiter, so a newcomer cannot
    overtake requests that queued before it (``threading.Semaphore`` lets it):
    this keeps the tail latency close to the median under load.
    """

    def __init__(self, n):
        self._free = n
        self._lock = threading.Lock()
        self._waiters = deque()

    def acquire(self):
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append(gate)
        gate.acquire()  # released by release(): the slot is ours

    def release(self):
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


# ---------------------------------------------------------------- encoding

def _finite_or_str(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
    return v


def _scalar(v):
    """A NumPy or Python scalar as a strict-JSON value (exact for floats)."""
    v = np.asarray(v).item()
    if isinstance(v, complex):
        return {"real": _finite_or_str(v.real), "imag": _finite_or_str(v.imag)}
    return _finite_or_str(v)


def _array_list(a):
    a = np.asarray(a)
    if a.dtype.kind == "c":
        return [_scalar(v) for v in a.ravel()]
    values = a.tolist()
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        values = [_finite_or_str(v) for v in values] if a.ndim == 1 else \
            np.vectorize(_finite_or_str, otypes=[object])(a).tolist()
    return values


def _dumps(obj):
    return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode()


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed in JSON (JSON has no NaN or Infinity)")


def _json_numbers(raw):
    """A flat JSON list of numbers -> float64 array; ``_HTTPError`` 400 otherwise."""
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise _HTTPError(400, "malformed JSON body: nested too deeply") from None
    except json.JSONDecodeError as e:
        raise _HTTPError(400, f"malformed JSON body: {e}") from None
    except ValueError as e:  # NaN/Infinity tokens, or bytes that are not UTF-8/16/32
        raise _HTTPError(400, f"bad JSON body: {e}") from None
    if not isinstance(data, list):
        raise _HTTPError(400, "JSON body must be a list of numbers, got "
                              f"{type(data).__name__}")
    kinds = set(map(type, data))
    if not kinds <= {int, float}:
        bad = next(v for v in data if type(v) not in (int, float))
        raise _HTTPError(400, "JSON body must be a flat list of numbers, found "
                              f"{json.dumps(bad)[:60]}")
    try:
        x = np.array(data, dtype=np.float64)
    except OverflowError:
        raise _HTTPError(400, "JSON body has an integer too large for float64") from None
    if not np.isfinite(x).all():  # 1e999 parses as inf
        raise _HTTPError(400, "JSON body has a number too large for float64 (JSON has "
                              "no Infinity)")
    return x


# ---------------------------------------------------------------- query

def _query(url, allowed):
    """The query string as a dict; repeated or unknown parameters are a 400."""
    try:
        pairs = parse_qsl(url.query, keep_blank_values=True, strict_parsing=bool(url.query),
                          max_num_fields=32, errors="strict")
    except (ValueError, UnicodeDecodeError) as e:
        raise _HTTPError(400, f"bad query string: {e}") from None
    params = {}
    for k, v in pairs:
        if k not in allowed:
            raise _HTTPError(400, f"unknown query parameter {k!r}; this endpoint takes "
                                  f"{', '.join(allowed) or 'none'}")
        if k in params:
            raise _HTTPError(400, f"query parameter {k!r} given more than once")
        params[k] = v
    return params


def _int_param(params, name, default, lo, hi):
    raw = params.get(name)
    if raw is None:
        return default
    try:
        v = int(raw.strip(), 10)
    except ValueError:
        raise _HTTPError(400, f"{name} must be an integer, got {raw!r}") from None
    if not lo <= v <= hi:
        raise _HTTPError(400, f"{name} must be between {lo} and {hi}, got {v}")
    return v


def _finite_float(text, what):
    try:
        v = float(text)
    except ValueError:
        raise _HTTPError(400, f"{what} must be a number, got {text!r}") from None
    if not math.isfinite(v):
        raise _HTTPError(400, f"{what} must be finite, got {text!r}")
    return v


# ---------------------------------------------------------------- handler

class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's
    # algorithm and the client's delayed ACK add 40 ms to every small response.
    disable_nagle_algorithm = True

    def version_string(self):
        from concore import __version__
        return f"concore/{__version__}"
    error_content_type = "application/json"

    # -- connection life cycle

    def setup(self):
        self.timeout = self.server.timeout
        self._body_left = 0          # body bytes not read yet (discarded before keep-alive)
        self._expect_continue = False
        self.server._add_handler(self)
        super().setup()

    def finish(self):
        self.server._remove_handler(self)
        super().finish()

    def handle_one_request(self):
        """One request on this connection (the stdlib loop, plus shutdown bookkeeping)."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError, OSError):
            self.close_connection = True  # idle keep-alive connection timed out or closed
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.server._begin_request(self):
            self.close_connection = True  # shutting down: this request was not accepted
            return
        try:
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414, "request line longer than 65536 bytes")
                self.close_connection = True
                return
            self._body_left = 0
            self._expect_continue = False
            if not self.parse_request():
                return  # parse_request sent the error
            if self.request_version == "HTTP/0.9":
                self.send_error(400, "HTTP/0.9 requests are not supported")
                return
            self._dispatch()
            self.wfile.flush()
        except (TimeoutError, ConnectionError) as e:
            self.log_error("connection dropped: %r", e)
            self.close_connection = True
        finally:
            self.server._end_request(self)

    def handle_expect_100(self):
        # Decide after the checks: a refused body (413, 404, ...) is never sent.
        self._expect_continue = True
        return True

    def log_message(self, format, *args):
        if self.server.log_requests:
            super().log_message(format, *args)

    def log_error(self, format, *args):
        sys.stderr.write("%s - - [%s] %s\n" % (
            self.address_string(), self.log_date_time_string(), format % args))

    # -- responses

    def send_error(self, code, message=None, explain=None):
        """Every error, the stdlib's own included (400/414/431/501/505), as JSON."""
        if getattr(self, "request_version", None) in (None, "HTTP/0.9"):
            # An unparsable request line leaves HTTP/0.9, which has no status line.
            self.request_version = "HTTP/1.0"
            self.close_connection = True
        try:
            short, _ = self.responses[code]
        except KeyError:
            short = "error"
        self._send_json(code, {"error": message or short, "status": code},
                        close=code >= 500 or self.close_connection)

    def _send_json(self, status, obj, close=False, headers=None):
        self._send(status, _dumps(obj), "application/json", close, headers)

    def _send(self, status, body, ctype, close=False, headers=None):
        if close or self.server._stopping:
            self.close_connection = True
        if self._body_left:
            # A body we did not read: drain it to keep the connection, unless the
            # client waits for "100 Continue" (it has not sent it) or we are closing.
            if self._expect_continue:
                self.close_connection = True
            elif not self.close_connection and self._body_left <= self.server.max_body:
                try:
                    self._discard_body()
                except (TimeoutError, OSError, _HTTPError):
                    self.close_connection = True
            else:
                self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        if self.command != "HEAD" and len(body) <= 65536:
            self._headers_buffer.append(b"\r\n")  # headers and a small body: one write
            self._headers_buffer.append(bytes(body))
            self.flush_headers()
        else:
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    # -- bodies

    def _content_length(self):
        values = self.headers.get_all("Content-Length") or []
        if len(set(v.strip() for v in values)) > 1:
            raise _HTTPError(400, "conflicting Content-Length headers", close=True)
        if self.headers.get("Transfer-Encoding") is not None:
            raise _HTTPError(411, "Transfer-Encoding bodies are not supported; "
                                  "send Content-Length", close=True)
        if not values:
            return None
        raw = values[0].strip()
        if not raw.isdigit() or not raw.isascii():
            raise _HTTPError(400, f"bad Content-Length {raw[:40]!r}", close=True)
        n = int(raw)
        if n > self.server.max_body:
            raise _HTTPError(413, f"body of {n} bytes exceeds the limit of "
                                  f"{self.server.max_body} bytes", close=True)
        return n

    def _read_into(self, view):
        view = view.cast("B") if view.format != "B" else view
        if self._expect_continue:
            self._expect_continue = False
            self.send_response_only(100)
            self.end_headers()
        got, n = 0, len(view)
        while got < n:
            try:
                k = self.rfile.readinto(view[got:])
            except TimeoutError:
                self._body_left = 0
                raise _HTTPError(408, f"timed out after {self.server.timeout} s waiting for "
                                      f"the body ({got} of {n} bytes came)", close=True) from None
            if not k:
                self._body_left = 0
                raise _HTTPError(400, f"body ended after {got} of {n} bytes "
                                      "(Content-Length)", close=True)
            got += k
            self._body_left -= k

    def _discard_body(self):
        buf = memoryview(bytearray(min(_DISCARD_CHUNK, self._body_left)))
        while self._body_left:
            self._read_into(buf[:min(len(buf), self._body_left)])

    def _read_body(self):
        """The request body as a 1-D float64 array (raw little-endian or JSON)."""
        n = self._body_left
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/json":
            raw = bytearray(n)
            self._read_into(memoryview(raw))
            return ("json", raw)
        if n % 8:
            raise _HTTPError(400, f"raw body must be little-endian float64: its length "
                                  f"({n} bytes) is not a multiple of 8")
        x = np.empty(n // 8, dtype="<f8")
        self._read_into(memoryview(x))
        return ("raw", x)

    # -- routing

    ROUTES = {
        "/health": ("GET", "_health", ()),
        "/v1/config": ("GET", "_config", ()),
        "/v1/reduce": ("POST", "_reduce", ("ops", "ddof")),
        "/v1/histogram": ("POST", "_histogram", ("bins", "range")),
        "/v1/evaluate": ("POST", "_evaluate", ("expr",)),
    }

    def _dispatch(self):
        try:
            n = self._content_length()  # errors before this point close the connection
            self._body_left = n or 0
            url = urlsplit(self.path)
            route = self.ROUTES.get(url.path)
            if route is None:
                raise _HTTPError(404, f"no such path {url.path!r}; paths: "
                                      f"{', '.join(sorted(self.ROUTES))}")
            method, name, allowed = route
            if self.command != method and not (method == "GET" and self.command == "HEAD"):
                raise _HTTPError(405, f"{url.path} takes {method}, not {self.command}",
                                 headers={"Allow": method if method == "POST" else "GET, HEAD"})
            params = _query(url, allowed)
            if method == "POST" and n is None:
                raise _HTTPError(411, "a body with Content-Length is required", close=True)
            getattr(self, name)(params)
        except _HTTPError as e:
            self._send_json(e.status, {"error": e.message, "status": e.status},
                            close=e.close, headers=e.headers)
        except (TimeoutError, ConnectionError):
            raise
        except Exception as e:  # the last resort: a 500, and the server keeps serving
            self.log_error("internal error on %s %s:\n%s", self.command, self.path,
                           traceback.format_exc())
            self._send_json(500, {"error": f"internal error: {type(e).__name__}: {e}",
                                  "status": 500}, close=True)

    def _compute(self, fn, *args):
        """Run ``fn(*args)`` in a compute slot, with the server's backend and threads."""
        srv = self.server
        with srv._slots:
            with concore.use_backend(srv.backend) if srv.backend else _null(), \
                    concore.threads(srv.kernel_threads) if srv.kernel_threads else _null(), \
                    np.errstate(all="ignore"):
                return fn(*args)

    # -- endpoints

    def _health(self, params):
        self._send_json(200, {"status": "ok", "in_flight": self.server.in_flight()})

    def _config(self, params):
        from concore import _info

        info = self._compute(_info.config)
        info["server"] = self.server.settings()
        self._send_json(200, json.loads(json.dumps(info, default=str)))

    def _body_array(self):
        kind, data = self._read_body()
        return data if kind == "raw" else _json_numbers(data)

    def _reduce(self, params):
        ops = params.get("ops")
        ops = DEFAULT_OPS if ops is None else tuple(o.strip() for o in ops.split(","))
        for op in ops:
            if op not in REDUCE_OPS:
                raise _HTTPError(400, f"unknown op {op!r}; ops: {', '.join(REDUCE_OPS)}")
        ddof = _int_param(params, "ddof", 0, 0, 2**62)
        x = self._body_array()

        def run():

            out = {}
            for op in ops:
                f = getattr(concore, op)
                try:
                    v = f(x, ddof=ddof) if op.endswith(("std", "var")) else f(x)
                except ValueError as e:
                    raise _HTTPError(400, f"{op}: {e}") from None
                out[op] = _scalar(v)
            return out

        self._send_json(200, self._compute(run))

    def _histogram(self, params):
        bins = _int_param(params, "bins", 10, 1, MAX_BINS)
        rng = params.get("range")
        if rng is not None:
            parts = rng.split(",")
            if len(parts) != 2:
                raise _HTTPError(400, f"range must be 'lo,hi', got {rng!r}")
            lo = _finite_float(parts[0], "range lo")
            hi = _finite_float(parts[1], "range hi")
            if lo > hi:
                raise _HTTPError(400, f"range lo must not exceed hi, got {rng!r}")
            rng = (lo, hi)
        x = self._body_array()

        def run():
            try:
                counts, edges = concore.histogram(x, bins=bins, range=rng)
            except ValueError as e:
                raise _HTTPError(400, f"histogram: {e}") from None
            return {"counts": _array_list(counts), "edges": _array_list(edges)}

        self._send_json(200, self._compute(run))

    def _evaluate(self, params):
        expr = params.get("expr")
        if expr is None or not expr.strip():
            raise _HTTPError(400, "expr is required, e.g. expr=sum(x*x) (URL-encoded)")
        try:  # parse before reading the body: a bad expression costs no upload
            names = concore.Expression(expr).names
        except (ValueError, TypeError) as e:
            raise _HTTPError(400, str(e)) from None
        unknown = [n for n in names if n != "x"]
        if unknown:
            raise _HTTPError(400, f"evaluate: name {unknown[0]!r} is not defined "
                                  "(the posted array is x)")
        raw_out = self._wants_raw()
        x = self._body_array()

        def run():
            try:
                r = concore.evaluate(expr, {"x": x})
            except (ValueError, NameError, TypeError, ArithmeticError) as e:
                raise _HTTPError(400, str(e)) from None
            r = np.asarray(r)
            if r.ndim == 0:
                return "json", _dumps({"result": _scalar(r)}), None
            if raw_out:
                f8 = r.astype("<f8", copy=False)
                if not f8.flags.c_contiguous:
                    f8 = np.ascontiguousarray(f8)
                return "raw", memoryview(f8).cast("B"), {
                    "X-Concore-Dtype": r.dtype.str, "X-Concore-Shape": ",".join(
                        map(str, r.shape))}
            return "json", _dumps({"result": _array_list(r)}), None

        kind, body, headers = self._compute(run)
        if kind == "raw":
            self._send(200, body, "application/octet-stream", headers=headers)
        else:
            self._send(200, body, "application/json")

    def _wants_raw(self):
        for part in (self.headers.get("Accept") or "").split(","):
            fields = [f.strip().lower() for f in part.split(";")]
            if fields[0] == "application/octet-stream" and "q=0" not in fields:
                return True
        return False


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# ---------------------------------------------------------------- server

class ComputeServer(http.server.HTTPServer):
    """The server :func:`make_server` returns: ``serve_forever()``, ``shutdown()``,
    ``server_address``, ``url``. A context manager (``with`` closes it)."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, *, threads=None, kernel_threads=None,
                 max_body=DEFAULT_MAX_BODY, timeout=DEFAULT_TIMEOUT, max_connections=None,
                 backend=None, log_requests=False):
        from concore import _config

        cpus = _config._cpus()
        if threads is None:
            # One computing request per core: the kernels of concurrent requests then
            # fill the cores without time-slicing each other, and waiting requests are
            # served in arrival order (measured: a fairer tail than 2x or 8x the cores
            # at the same throughput).
            threads = max(2, cpus)
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        if kernel_threads is not None:
            kernel_threads = _config._resolve(kernel_threads, "kernel_threads")
        if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 0:
            raise ValueError(f"max_body must be a non-negative integer, got {max_body!r}")
        if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds or None, "
                             f"got {timeout!r}")
        if max_connections is None:
            max_connections = max(64, 4 * threads)
        if isinstance(max_connections, bool) or not isinstance(max_connections, int) \
                or max_connections < 1:
            raise ValueError(f"max_connections must be a positive integer, "
                             f"got {max_connections!r}")
        if backend is not None:
            if backend not in ("native", "python"):
                raise ValueError(f"backend must be 'native' or 'python', got {backend!r}")
            _config._load_backend(backend)  # ImportError now, not in every request
        self.threads = threads
        self.kernel_threads = kernel_threads
        self.max_body = max_body
        self.timeout = timeout
        self.max_connections = max_connections
        self.backend = backend
        self.log_requests = log_requests
        self._slots = _FairSlots(threads)
        self._conn_slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        self._stopping = False
        self._serving = False
        self._loop_done = threading.Event()
        self._loop_done.set()
        self._handlers = set()      # live connections
        self._busy = set()          # connections inside a request
        self._threads = set()
        self._wake_r, self._wake_w = socket.socketpair()  # wakes select() to stop
        self._wake_w.setblocking(False)  # written from a signal handler: never block
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self):
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup: skip it.
        import socketserver

        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = host, port

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{'[%s]' % host if ':' in host else host}:{port}"

    def settings(self):
        """The server's configuration as a dict (shown by ``GET /v1/config``)."""
        return {"threads": self.threads, "kernel_threads": self.kernel_threads,
                "max_body": self.max_body, "timeout": self.timeout,
                "max_connections": self.max_connections, "backend": self.backend,
                "address": list(self.server_address[:2])}

    def in_flight(self):
        """Requests being handled right now."""
        with self._lock:
            return len(self._busy)

    # -- accept loop

    def serve_forever(self, poll_interval=0.5):
        """Accept connections until :meth:`shutdown` (or :meth:`request_shutdown`)."""
        with self._lock:
            if self._stopping:
                return
            self._serving = True
            self._loop_done.clear()
        try:
            with selectors.DefaultSelector() as sel:
                sel.register(self.socket, selectors.EVENT_READ, "accept")
                sel.register(self._wake_r, selectors.EVENT_READ, "wake")
                while not self._stopping:
                    for key, _ in sel.select(poll_interval):
                        if self._stopping:
                            break
                        if key.data == "accept":
                            self._handle_request_noblock()
                    self.service_actions()
        finally:
            with self._lock:
                self._serving = False
            self._loop_done.set()

    def request_shutdown(self):
        """Stop accepting soon; returns at once (safe in a signal handler)."""
        self._stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def shutdown(self, timeout=None):
        """Stop accepting, let requests in flight finish (up to ``timeout`` seconds,
        default no limit), close idle connections; then return. Idempotent."""
        with self._lock:
            self._stopping = True
        self.request_shutdown()
        self._loop_done.wait()
        try:
            self.socket.close()  # no more connections; queued ones are refused
        except OSError:
            pass
        self._close_idle()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads:
                break
            for t in threads:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                t.join(left)
                if deadline is not None and time.monotonic() >= deadline:
                    return
            self._close_idle()

    def server_close(self):
        self.shutdown(timeout=0)
        super().server_close()
        for s in (self._wake_r, self._wake_w):
            s.close()

    def __exit__(self, *exc):
        self.server_close()

    # -- connections

    def process_request(self, request, client_address):
        if self._stopping or not self._conn_slots.acquire(blocking=False):
            self._refuse(request)
            return
        t = threading.Thread(target=self._connection, args=(request, client_address),
                             name=f"concore-conn-{client_address}", daemon=True)
        with self._lock:
            self._threads.add(t)
        t.start()

    def _refuse(self, request):
        body = _dumps({"error": "server busy: too many connections" if not self._stopping
                       else "server is shutting down", "status": 503})
        try:
            request.settimeout(1.0)
            request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
                            b"application/json\r\nConnection: close\r\nContent-Length: "
                            + str(len(body)).encode() + b"\r\n\r\n" + body)
        except OSError:
            pass
        self.shutdown_request(request)

    def _connection(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self._conn_slots.release()
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _add_handler(self, handler):
        with self._lock:
            self._handlers.add(handler)

    def _remove_handler(self, handler):
        with self._lock:
            self._handlers.discard(handler)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the client went away: nothing to report
        sys.stderr.write(f"concore.server: error on connection from {client_address}:\n"
                         f"{traceback.format_exc()}")

    def _begin_request(self, handler):
        with self._lock:
            if self._stopping:
                return False
            self._busy.add(handler)
            return True

    def _end_request(self, handler):
        with self._lock:
            self._busy.discard(handler)

    def _close_idle(self):
        # Wake connections that wait for a next request: their read returns EOF.
        with self._lock:
            idle = [h for h in self._handlers if h not in self._busy]
        for h in idle:
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def make_server(host="127.0.0.1", port=8000, *, threads=None, kernel_threads=None,
                max_body=DEFAULT_MAX_BODY, timeout=DEFAULT_TIMEOUT, max_connections=None,
                backend=None, log_requests=False):
    """Create (and bind) a :class:`ComputeServer`; call ``serve_forever()`` to run it.

    host, port
        Where to listen (``port=0``: a free port, see ``server_address``).
    threads
        Requests computed at once (default: the CPUs, at least 2); more wait in arrival
        order. Each connection has its own thread for reading and writing.
    kernel_threads
        Cap on the threads one request's kernel uses (``concore.threads``); default:
        the process-wide core budget decides (a lone request gets every core).
    max_body
        Largest request body in bytes (default 256 MiB); larger ones get 413 unread.
    timeout
        Seconds any socket read or write may wait (default 30; idle keep-alive
        connections are closed after it).
    max_connections
        Open connections at most (default ``max(64, 4 * threads)``); more get 503.
    backend
        ``"native"`` or ``"python"`` for the requests (default: the process's
        default, ``CONCORE_BACKEND``). ``concore.use_backend`` is per thread, so
        it does not reach the request threads: use this instead.
    log_requests
        Write an access log line per request to stderr.
    """
    return ComputeServer((host, port), threads=threads, kernel_threads=kernel_threads,
                         max_body=max_body, timeout=timeout, max_connections=max_connections,
                         backend=backend, log_requests=log_requests)


def serve(host="127.0.0.1", port=8000, **kwargs):
    """Run a server in this (main) thread until SIGTERM or Ctrl-C, then finish the
    requests in flight and return 0. A second signal stops without waiting (1)."""
    import signal

    srv = make_server(host, port, **kwargs)
    stops = []

    def on_signal(signum, frame):
        stops.append(signum)
        if len(stops) > 1:
            raise KeyboardInterrupt  # a second signal: stop waiting for requests
        srv.request_shutdown()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        from concore import _config

        sys.stderr.write(
            f"concore server on {srv.url} (pid {os.getpid()}, {srv.threads} request "
            f"threads, kernel threads {srv.kernel_threads or 'core budget'}, backend "
            f"{srv.backend or _config.backend()}, max body {srv.max_body} bytes)\n")
        sys.stderr.flush()
        try:
            srv.serve_forever()
            srv.shutdown()  # in-flight requests finish
        except KeyboardInterrupt:
            return 1
        finally:
            srv.server_close()
        sys.stderr.write("concore server stopped\n")
        return 0
    finally:
        for s, h in old.items():
            signal.signal(s, h)
