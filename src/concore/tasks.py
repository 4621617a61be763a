"""Run a Python callable over many inputs at once: ``parallel_map`` and ``TaskPool``.

Two backends:

* ``"threads"``: a small pool of worker threads fed chunks of items from one queue. Use it
  for functions that release the GIL (concore and NumPy kernels, I/O) and on free-threaded
  CPython. Items travel in chunks (one queue operation per chunk, not per item), which is
  what makes many tiny tasks cheap.
* ``"processes"``: worker interpreters started with ``spawn`` (never a plain fork: GNU
  OpenMP hangs in a forked child of a process that used it). Use it for pure-Python CPU
  work. NumPy arrays (and other contiguous buffers) of at least ``SHM_THRESHOLD`` bytes,
  as arguments or results, travel through POSIX shared memory instead of the pipe: the
  sender copies each one once into a segment, the receiver maps it. Segments are unlinked
  as soon as the receiving side has mapped them (results) or the call is over (arguments),
  also on errors and Ctrl-C; the ``multiprocessing`` resource tracker removes whatever a
  killed parent leaves.
* ``"auto"`` picks threads on free-threaded CPython or when ``func`` is a concore function
  (they release the GIL), processes otherwise; ``repr(TaskPool)`` says what it picked and why.

Core budget: a pool of W workers runs every task under ``concore.threads(max(1, T // W))``
(T: the thread count concore would use in the thread that made the pool), so W workers
calling concore kernels at once never ask for more kernel threads than there are cores.
A call that passes ``n_threads=`` explicitly overrides its share.

Errors: the first exception stops the call. Items not started yet are skipped (the worker
threads check before each item; a worker process finishes the chunk it has) and the
exception is re-raised in the caller as the same type, with the failing item's index in
its message; the original exception is chained as ``__cause__`` and carries the worker's
traceback (for processes the remote traceback text, as a ``RemoteTraceback`` cause of the
original). A worker process that dies raises ``WorkerDied``; ``timeout`` raises
``TimeoutError``; Ctrl-C (``KeyboardInterrupt`` in the caller) cancels everything and
terminates the worker processes that were running the call. Python threads cannot be
killed: after a timeout or Ctrl-C, a thread worker finishes the item it is running.
"""
import atexit
import collections
import concurrent.futures
import itertools
import mmap
import os
import pickle
import secrets
import signal
import sys
import threading
import time
import traceback
import multiprocessing
from multiprocessing import connection as _mpc
from queue import Empty as _Empty, SimpleQueue as _SimpleQueue

from concore import _config

try:  # POSIX shared memory (Linux, macOS); elsewhere large arrays are pickled
    import _posixshmem
    from multiprocessing import resource_tracker as _tracker
except ImportError:  # pragma: no cover - Windows
    _posixshmem = None

__all__ = ["parallel_map", "TaskPool", "WorkerDied", "RemoteTraceback", "SHM_THRESHOLD",
           "shared_memory_stats"]

#: Buffers (contiguous NumPy arrays, bytearrays) of at least this many bytes travel between
#: processes through shared memory; smaller ones are pickled into the message.
SHM_THRESHOLD = 1 << 20

_SEG_PREFIX = "/concore_"
_POPULATE = getattr(mmap, "MAP_POPULATE", 0)
_BACKENDS = ("auto", "threads", "processes")
class _WorkerLocal(threading.local):
    in_worker = False               # this thread is a pool worker
    workers = None                  # ... of this pool


_tls = _WorkerLocal()
_IN_WORKER_PROCESS = False          # set in worker processes (nested calls run inline)
_stats_lock = threading.Lock()
_stats = {"args": 0, "results": 0, "bytes": 0}


class WorkerDied(RuntimeError):
    """A worker process ended (crash, signal, ``os._exit``) while running a task."""


class RemoteTraceback(Exception):
    """The traceback text of an exception raised in a worker process (chained as the
    ``__cause__`` of the re-raised exception)."""

    def __init__(self, tb):
        super().__init__(tb)
        self.tb = tb

    def __str__(self):
        return self.tb


def shared_memory_stats(reset=False):
    """Counts of the buffers this process sent (``args``) and received (``results``)
    through shared memory, and their total ``bytes``; ``reset=True`` zeroes them."""
    with _stats_lock:
        out = dict(_stats)
        if reset:
            for k in _stats:
                _stats[k] = 0
    return out


def _count(kind, nbytes):
    with _stats_lock:
        _stats[kind] += 1
        _stats["bytes"] += nbytes


# ------------------------------------------------------------------ shared memory

def _shm_free():
    try:
        st = os.statvfs("/dev/shm")
        return st.f_bavail * st.f_frsize
    except OSError:
        return None


def _seg_create(data, close_later=False):
    """Copy the buffer ``data`` (a 1-D byte memoryview) into a new segment; return its
    name, or None when no segment could be made (then the buffer is pickled instead).
    ``close_later``: this process unlinks it (see _CLOSE_LATER)."""
    n = data.nbytes
    free = _shm_free()
    if free is not None and free < 2 * n:
        return None
    for _ in range(16):
        name = f"{_SEG_PREFIX}{os.getpid()}_{secrets.token_hex(8)}"
        try:
            fd = _posixshmem.shm_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode=0o600)
        except FileExistsError:
            continue
        except OSError:
            return None
        break
    else:
        return None
    try:
        # Registered first, so that the tracker unlinks it if this process is killed.
        _tracker.register(name, "shared_memory")
        # write(), not a mapping: the kernel fills the pages as it allocates them (no page
        # faults, no zeroing pass), and a full /dev/shm is ENOSPC here, not SIGBUS later.
        done = 0
        while done < n:
            done += os.pwrite(fd, data[done:], done)
    except OSError:
        os.close(fd)
        _seg_unlink(name)
        return None
    if not close_later or n < _CLOSE_LATER:
        os.close(fd)
    else:
        with _stats_lock:
            _open_segs[name] = fd
    return name


def _seg_attach(name, n, populate):
    """Map an existing segment (shared, read-write; the sender no longer touches it).
    ``populate``: map every page now (cheaper per page than faulting each one later)."""
    fd = _posixshmem.shm_open(name, os.O_RDWR, mode=0o600)
    try:
        return mmap.mmap(fd, n, flags=mmap.MAP_SHARED | (_POPULATE if populate else 0))
    finally:
        os.close(fd)


# Segments this process wrote of at least this many bytes keep their descriptor until
# unlinked, then close it in a thread: the last close frees the pages (about 11 ms for
# 100 MB here), which the caller then does not wait for; the name is gone at once.
_CLOSE_LATER = 8 << 20
_open_segs = {}


def _forget_open_segs():
    global _open_segs
    for fd in _open_segs.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _open_segs = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_open_segs)  # the parent frees them


def _seg_unlink(name):
    try:
        _posixshmem.shm_unlink(name)
    except FileNotFoundError:
        pass
    with _stats_lock:
        fd = _open_segs.pop(name, None)
    if fd is not None:
        threading.Thread(target=os.close, args=(fd,), name="concore-shm-free",
                         daemon=True).start()
    try:
        _tracker.unregister(name, "shared_memory")
    except Exception:  # the tracker is gone (interpreter shutdown): nothing to tell it
        pass


def _dumps(obj, threshold, segs, job=None, count=None):
    """Pickle ``obj``; buffers of ``threshold`` bytes or more go out of band into shared
    memory segments, whose (name, size) are appended to ``segs`` in order. With ``job``,
    its memo sends the same array once for all the chunks of a call; ``count``: the
    shared_memory_stats entry to add new segments to."""
    if threshold is None or _posixshmem is None:
        return pickle.dumps(obj, protocol=5)

    def callback(pb):
        raw = pb.raw()
        n = raw.nbytes
        if n < threshold:
            return True
        if job is not None:
            # Keyed by the memory itself (a Fortran array arrives as a new transposed view
            # each time); the entry keeps the exporter alive, so the address stays unique.
            key = (_address(raw), n)
            with job.lock:
                memo = job.memo
                if memo is None:    # released (the call is over): make nothing new
                    return True
                hit = memo.get(key)
                if hit is None:
                    name = _seg_create(raw, close_later=True)
                    if name is None:
                        return True
                    memo[key] = (name, raw.obj)
                    _count(count or "args", n)
                else:
                    name = hit[0]
        else:
            name = _seg_create(raw)
            if name is None:
                return True
            if count:
                _count(count, n)
        segs.append((name, n))
        return False

    return pickle.dumps(obj, protocol=5, buffer_callback=callback)


def _address(buf):
    import numpy as np   # only processes that send large buffers get here
    return np.frombuffer(buf, np.uint8).__array_interface__["data"][0]


def _loads(data, segs, unlink):
    """Unpickle ``data`` with the shared-memory buffers ``segs`` (mapped, not copied);
    ``unlink``: this side owns the segments now (their names go away once mapped)."""
    if not segs:
        return pickle.loads(data)
    bufs = []
    try:
        for name, n in segs:
            # Results are mapped whole (the caller gets them to use); arguments lazily,
            # like a memmap: a task that reads part of a big array maps only that part.
            bufs.append(_seg_attach(name, n, populate=unlink))
            if unlink:
                _seg_unlink(name)
    finally:
        if unlink:
            for name, _ in segs[len(bufs):]:
                _seg_unlink(name)
    return pickle.loads(data, buffers=bufs)


# ------------------------------------------------------------------ worker processes

def _process_main(conn, share):
    """Entry point of a worker process: run chunks sent by the parent until EOF."""
    global _IN_WORKER_PROCESS
    _IN_WORKER_PROCESS = True
    # Ctrl-C in a terminal reaches the whole process group: the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _config.set_num_threads(share)
    func_key, func = None, None
    while True:
        try:
            header = conn.recv_bytes()
            if not header:
                return
            body = conn.recv_bytes()
        except (EOFError, OSError):
            return
        key, func_blob, start, segs, threshold, backend = pickle.loads(header)
        index = start
        try:
            if key != func_key:
                func_key, func = key, pickle.loads(func_blob)
            items = _loads(body, segs, unlink=False)
            del body
            out = []
            append = out.append
            _config._set_local_backend(backend)
            for item in items:
                append(func(item))
                index += 1
            item = None
            rsegs = []
            try:
                rbody = _dumps(out, threshold, rsegs)
            except Exception as e:
                for name, _ in rsegs:
                    _seg_unlink(name)
                index = start + _first_unpicklable(out)
                raise TypeError(f"the result of item {index} cannot be pickled to send it "
                                f"back from the worker process: {e}") from e
            reply = pickle.dumps(("ok", rsegs, None, None, None), protocol=5)
        except BaseException as e:
            out = None
            rbody = b""
            tb = "".join(traceback.format_exception(e))
            try:
                exc_blob = pickle.dumps(e, protocol=5)
                pickle.loads(exc_blob)
            except Exception:
                exc_blob = None
            reply = pickle.dumps(("err", [], index, exc_blob, (tb, type(e).__name__, str(e))),
                                 protocol=5)
        try:
            conn.send_bytes(reply)
            conn.send_bytes(rbody)
        except (OSError, EOFError):
            return
        # Unmap the arguments only now: the parent unlinks them meanwhile, so the pages
        # are freed here, by this munmap, not by the parent's unlink on its critical path.
        rbody = items = item = out = None


def _first_unpicklable(values):
    for i, v in enumerate(values):
        try:
            pickle.dumps(v, protocol=5)
        except Exception:
            return i
    return 0


def _signal_name(code):
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


# ------------------------------------------------------------------ jobs

_OK, _ERR, _DIED, _SKIPPED = range(4)


class _Job:
    """One call: a function, its chunks and where their outcomes go (a queue)."""

    _keys = itertools.count()

    def __init__(self, func, n_chunks, threshold=None):
        self.func = func
        self.key = next(self._keys)
        self.n_chunks = n_chunks
        self.cancelled = False
        self.backend = _config._local.backend
        self.threshold = threshold
        self.func_blob = None
        self.memo = {}              # shared-memory segments of this job's arguments
        self.lock = threading.Lock()
        self.done = None
        self.running = {}           # id(slot) -> worker slot running one of its chunks

    def post(self, msg):
        self.done.put(msg)

    def should_run(self):
        return not self.cancelled

    def release(self):
        """Unlink the argument segments (workers that mapped them keep their mapping)."""
        with self.lock:
            memo, self.memo = self.memo, None
        if memo:
            for name, _ in memo.values():
                _seg_unlink(name)


class _FutureJob(_Job):
    """A job of one task whose outcome goes to a ``concurrent.futures.Future``."""

    def __init__(self, func, future, threshold=None):
        super().__init__(func, 1, threshold)
        self.future = future

    def should_run(self):
        return self.future.set_running_or_notify_cancel()

    def post(self, msg):
        kind, _start, payload = msg
        self.release()
        if kind == _OK:
            self.future.set_result(payload[0])
        elif kind == _ERR:
            self.future.set_exception(_remote_exc(*payload[1:]) if len(payload) == 3
                                      else payload[1])
        elif kind == _DIED:
            self.future.set_exception(payload)
        elif not self.future.done():    # skipped after it was marked running
            self.future.set_exception(concurrent.futures.CancelledError(
                "the task was cancelled before it started"))


class _Apply:
    """``func(*args, **kwargs)`` as a one-argument callable for ``submit``."""

    def __init__(self, func, args, kwargs):
        self.func, self.args, self.kwargs = func, args, kwargs

    def __call__(self, _):
        return self.func(*self.args, **self.kwargs)


def _remote_exc(exc_blob, info):
    """The exception a worker process sent back, its traceback text as the cause."""
    tb, name, msg = info
    exc = None
    if exc_blob is not None:
        try:
            exc = pickle.loads(exc_blob)
        except Exception:
            exc = None
    if exc is None:
        exc = RuntimeError(f"{name}: {msg} (the exception could not be sent back as is)")
    exc.__cause__ = RemoteTraceback(f'\n"""\n{tb}"""')
    return exc


# ------------------------------------------------------------------ thread workers

class _ThreadWorkers:
    kind = "threads"

    def __init__(self, n, share):
        self.n = n
        self.share = share
        self.queue = _SimpleQueue()
        self.threads = []
        for i in range(n):
            t = threading.Thread(target=self._run, name=f"concore-task-{i}", daemon=True)
            t.start()
            self.threads.append(t)

    def put(self, job, start, items):
        self.queue.put((job, start, items))

    def _run(self):
        _tls.in_worker = True
        _tls.workers = self
        _config._local.threads = self.share      # this worker's share of the core budget
        get = self.queue.get
        while True:
            task = get()
            if task is None:
                return
            job, start, items = task
            if not job.should_run():
                job.post((_SKIPPED, start, len(items)))
                continue
            func = job.func
            out = []
            append = out.append
            _config._set_local_backend(job.backend)
            try:
                for item in items:
                    if job.cancelled:
                        break
                    append(func(item))
            except BaseException as e:  # noqa: B902 - KeyboardInterrupt too: report it
                job.post((_ERR, start, (start + len(out), e)))
            else:
                if len(out) == len(items):
                    job.post((_OK, start, out))
                else:
                    job.post((_SKIPPED, start, len(items)))
            finally:
                _config._set_local_backend(None)
                out = items = task = job = func = None

    def cancel_job(self, job):
        pass  # workers check job.cancelled before each item

    def shutdown(self, wait):
        for _ in self.threads:
            self.queue.put(None)
        if wait:
            for t in self.threads:
                if t is not threading.current_thread():
                    t.join()


# ------------------------------------------------------------------ process workers

class _Chunk:
    """A pickled chunk waiting for (or sent to) a worker process."""

    __slots__ = ("job", "start", "stop", "body", "segs", "sent")

    def __init__(self, job, start, stop, body, segs):
        self.job, self.start, self.stop, self.body, self.segs = job, start, stop, body, segs
        self.sent = False


class _Slot:
    """One worker process and the parent thread that talks to it."""

    def __init__(self):
        self.proc = None
        self.conn = None
        self.func_key = None
        self.job = None


class _ProcessWorkers:
    kind = "processes"

    def __init__(self, n, share, context=None):
        self.n = n
        self.share = share
        self.ctx = multiprocessing.get_context(context or "spawn")
        self.queue = _SimpleQueue()
        self.lock = threading.Lock()
        self.closed = False
        self.slots = [_Slot() for _ in range(n)]
        self.threads = []
        for i, slot in enumerate(self.slots):
            t = threading.Thread(target=self._run, args=(slot,), name=f"concore-proc-{i}",
                                 daemon=True)
            t.start()
            self.threads.append(t)

    def put(self, job, start, items):
        self.queue.put((job, start, items))

    def pids(self):
        return [s.proc.pid for s in self.slots if s.proc is not None and s.proc.is_alive()]

    def _start(self, slot):
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(target=_process_main, args=(child, self.share),
                                name="concore-worker", daemon=True)
        proc.start()
        child.close()
        slot.proc, slot.conn, slot.func_key = proc, parent, None

    def _reap(self, slot):
        proc, conn = slot.proc, slot.conn
        slot.proc = slot.conn = None
        if conn is not None:
            conn.close()
        if proc is not None:
            proc.join(5)
            if proc.exitcode is None:
                proc.kill()
                proc.join()
        return proc

    def _run(self, slot):
        with self.lock:
            if not self.closed:
                try:
                    self._start(slot)   # start eagerly: the first call finds it ready
                except Exception:       # e.g. spawn without the __main__ guard: _send
                    pass                # tries again and reports it to the caller
        get, get_nowait = self.queue.get, self.queue.get_nowait
        pending = collections.deque()   # prepared chunks; the first may be in flight
        stop = False
        while True:
            if not pending:
                if stop:
                    break
                task = get()
                if task is None:
                    break
                self._prepare(pending, *task)
                task = None
                continue
            cur = pending[0]
            if not cur.sent and not self._send(slot, cur):
                pending.popleft()       # skipped, or failed (already reported)
                continue
            # While the worker runs this chunk, pickle the next one, so that the worker
            # waits only for a send between chunks, never for our pickling. Only while
            # plenty is queued: a chunk held here waits behind this one, which would
            # hurt the balance of a few long tasks.
            if len(pending) < 2 and not stop and self.queue.qsize() >= 2 * self.n:
                try:
                    task = get_nowait()
                except _Empty:
                    pass
                else:
                    if task is None:
                        stop = True
                    else:
                        self._prepare(pending, *task)
                    task = None
            reply = self._wait(slot, cur)
            pending.popleft()
            if reply is None:
                continue                # the worker died (reported)
            if pending and not self._send(slot, pending[0]):
                pending.popleft()
            self._finish(cur, reply)
            cur = reply = None
        # Shut down: EOF (an empty message) ends the worker's loop.
        if slot.proc is not None:
            try:
                slot.conn.send_bytes(b"")
            except OSError:
                pass
            self._reap(slot)

    def _prepare(self, pending, job, start, items):
        """Pickle a chunk (big buffers into shared memory) and queue it in ``pending``."""
        if not job.should_run():
            job.post((_SKIPPED, start, len(items)))
            return
        if job.memo is None:            # the call is over (cancelled): nothing to send
            job.post((_SKIPPED, start, len(items)))
            return
        segs = []
        try:
            body = _dumps(items, job.threshold, segs, job, "args")
        except BaseException as e:
            job.post((_ERR, start, (start, TypeError(
                f"items {start}..{start + len(items) - 1} cannot be sent to a worker "
                f"process: {e}"))))
            return
        pending.append(_Chunk(job, start, start + len(items), body, segs))

    def _died(self, slot, chunk):
        dead = self._reap(slot)
        job = chunk.job
        if job.cancelled:
            job.post((_SKIPPED, chunk.start, chunk.stop - chunk.start))
        else:
            job.post((_DIED, chunk.start, WorkerDied(
                f"a worker process (pid {dead.pid}) died while running items "
                f"{chunk.start}..{chunk.stop - 1}: {_signal_name(dead.exitcode)}")))

    def _send(self, slot, chunk):
        job = chunk.job
        if job.cancelled:
            job.post((_SKIPPED, chunk.start, chunk.stop - chunk.start))
            return False
        with self.lock:
            if slot.proc is None or not slot.proc.is_alive():
                if slot.proc is not None:
                    self._reap(slot)
                try:
                    self._start(slot)
                except Exception as e:
                    # Reported, never a hang: the caller gets the reason (spawn's own
                    # message names the missing `if __name__ == "__main__":` guard).
                    job.post((_ERR, chunk.start, (chunk.start, RuntimeError(
                        f"concore: could not start a worker process: {e}"))))
                    return False
        blob = job.func_blob if slot.func_key != job.key else None
        header = pickle.dumps((job.key, blob, chunk.start, chunk.segs, job.threshold,
                               job.backend), protocol=5)
        slot.job = job
        with job.lock:
            job.running[id(slot)] = slot
        try:
            slot.conn.send_bytes(header)
            slot.conn.send_bytes(chunk.body)
        except OSError:
            slot.job = None
            with job.lock:
                job.running.pop(id(slot), None)
            self._died(slot, chunk)
            return False
        slot.func_key = job.key
        chunk.sent = True
        chunk.body = None
        return True

    def _wait(self, slot, chunk):
        """The worker's reply to ``chunk`` (header, body), or None when it died."""
        proc, conn = slot.proc, slot.conn
        try:
            if conn not in _mpc.wait([conn, proc.sentinel]):
                raise EOFError
            return conn.recv_bytes(), conn.recv_bytes()
        except (EOFError, OSError):
            self._died(slot, chunk)
            return None
        finally:
            slot.job = None
            with chunk.job.lock:
                chunk.job.running.pop(id(slot), None)

    def _finish(self, chunk, reply):
        job, start = chunk.job, chunk.start
        kind, rsegs, index, exc_blob, info = pickle.loads(reply[0])
        if kind != "ok":
            job.post((_ERR, start, (index, exc_blob, info)))
            return
        try:
            out = _loads(reply[1], rsegs, unlink=True)   # also for a cancelled job: unlinks
        except BaseException as e:
            job.post((_ERR, start, (start, e)))
            return
        _count_many("results", rsegs)
        job.post((_OK, start, out))

    def cancel_job(self, job):
        """Terminate the worker processes running chunks of ``job`` (timeout, Ctrl-C)."""
        with job.lock:
            slots = list(job.running.values())
        for slot in slots:
            proc = slot.proc
            if proc is not None and slot.job is job:
                try:
                    proc.kill()
                except Exception:
                    pass

    def shutdown(self, wait):
        with self.lock:
            self.closed = True
        for _ in self.threads:
            self.queue.put(None)
        if wait:
            for t in self.threads:
                t.join()


def _count_many(kind, segs):
    for _, n in segs:
        _count(kind, n)




# ------------------------------------------------------------------ choosing

def _concore_func(func):
    f = func
    while hasattr(f, "func") and not isinstance(f, type):   # functools.partial
        f = f.func
    mod = getattr(f, "__module__", None) or ""
    return mod == "concore" or mod.startswith("concore."), f


def _gil_disabled():
    check = getattr(sys, "_is_gil_enabled", None)
    return check is not None and not check()


def _choose(func):
    """(backend, reason) for backend="auto"."""
    if _gil_disabled():
        return "threads", "free-threaded CPython (the GIL is disabled)"
    if func is None:
        return None, None
    is_cc, f = _concore_func(func)
    name = getattr(f, "__qualname__", None) or type(f).__name__
    if is_cc:
        return "threads", f"{f.__module__}.{name} is a concore function (releases the GIL)"
    return "processes", (f"{getattr(f, '__module__', '?')}.{name} is not a concore function "
                         f"and the GIL is enabled")


def _check_backend(backend):
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")


def _check_func(func):
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")


def _check_timeout(timeout):
    if timeout is None:
        return None
    try:
        t = float(timeout)
    except (TypeError, ValueError):
        raise TypeError(f"timeout must be a number of seconds or None, got {timeout!r}") from None
    if not t >= 0:
        raise ValueError(f"timeout must be >= 0, got {timeout!r}")
    return t


def _check_chunksize(chunksize):
    if chunksize is None:
        return None
    if isinstance(chunksize, bool) or not hasattr(chunksize, "__index__"):
        raise TypeError(f"chunksize must be a positive integer or None, got {chunksize!r}")
    c = chunksize.__index__()
    if c < 1:
        raise ValueError(f"chunksize must be a positive integer or None, got {chunksize!r}")
    return c


def _auto_chunksize(n, n_workers, kind):
    # A few chunks per worker balance uneven tasks; one chunk per queue operation keeps
    # the per-item cost near a plain function call. Processes pay a round trip per chunk.
    per_worker = 8 if kind == "threads" else 4
    return max(1, -(-n // (n_workers * per_worker)))


# ------------------------------------------------------------------ the pool

class TaskPool:
    """A reusable pool of workers (threads or processes) for ``submit`` and ``map``.

    Parameters
    ----------
    n_workers : int, optional
        Number of workers; default: the CPUs this process may use. A negative number
        counts down from the CPUs (-1 = all).
    backend : {"auto", "threads", "processes"}
        ``"auto"`` picks at the first ``submit``/``map``: threads on free-threaded CPython
        or for concore functions, processes otherwise; the choice is then kept, and
        ``repr`` says what it picked and why.
    shm_threshold : int or None
        Processes only: buffers of at least this many bytes travel through shared memory
        (default ``SHM_THRESHOLD``, 1 MiB); ``None`` pickles everything.

    Each worker runs its tasks with ``kernel_threads = max(1, T // n_workers)`` concore
    threads (T: ``concore.get_num_threads()`` in the thread that made the pool), so the
    workers' kernels together never ask for more threads than T.

    Use it as a context manager (``with TaskPool(4) as pool: ...``): leaving the block
    shuts it down and waits for the workers.
    """

    def __init__(self, n_workers=None, backend="auto", *, shm_threshold=SHM_THRESHOLD):
        _check_backend(backend)
        self.n_workers = (_config._cpus() if n_workers is None
                          else _config._resolve(n_workers, "n_workers"))
        if shm_threshold is not None and (isinstance(shm_threshold, bool)
                                          or not hasattr(shm_threshold, "__index__")
                                          or shm_threshold < 0):
            raise ValueError(f"shm_threshold must be a non-negative integer or None, "
                             f"got {shm_threshold!r}")
        self.shm_threshold = shm_threshold
        self._requested = backend
        self._backend = None if backend == "auto" else backend
        self._reason = "requested" if backend != "auto" else None
        if backend == "auto":
            chosen, reason = _choose(None)
            if chosen is not None:
                self._backend, self._reason = chosen, f"auto: {reason}"
        # Each worker's share of the core budget, from the creating thread's setting.
        self.kernel_threads = max(1, _config.get_num_threads() // self.n_workers)
        self._workers = None
        self._lock = threading.Lock()
        self._closed = False

    # -- state
    @property
    def backend(self):
        """The backend in use ("threads" or "processes"), None while "auto" is undecided."""
        return self._backend

    def __repr__(self):
        state = "closed" if self._closed else ("idle" if self._workers is None else "running")
        if self._backend is None:
            how = "backend='auto' (undecided: picks at the first submit or map)"
        else:
            how = f"backend={self._backend!r} ({self._reason})"
        return (f"<TaskPool {how}, n_workers={self.n_workers}, "
                f"kernel_threads={self.kernel_threads}, {state}>")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown(wait=True)

    def _get_workers(self, func):
        if self._closed:
            raise RuntimeError("cannot use a TaskPool after shutdown()")
        with self._lock:
            if self._workers is None:
                if self._backend is None:
                    self._backend, reason = _choose(func)
                    self._reason = f"auto: {reason}"
                if self._backend == "threads":
                    self._workers = _ThreadWorkers(self.n_workers, self.kernel_threads)
                else:
                    self._workers = _ProcessWorkers(self.n_workers, self.kernel_threads)
            return self._workers

    def worker_pids(self):
        """PIDs of the live worker processes (empty for threads)."""
        w = self._workers
        return w.pids() if isinstance(w, _ProcessWorkers) else []

    def _prepare(self, func, workers):
        """A job for ``func``: pickled up front for processes (clear TypeError if not)."""
        if workers.kind != "processes":
            return None
        try:
            return pickle.dumps(func, protocol=5)
        except Exception as e:
            raise TypeError(
                f"func {func!r} cannot be pickled, so backend='processes' cannot send it to "
                f"a worker process ({type(e).__name__}: {e}); define it at module level "
                f"(not a lambda or a local function) or use backend='threads'") from e

    # -- submit
    def submit(self, func, /, *args, **kwargs):
        """Schedule ``func(*args, **kwargs)``; returns a ``concurrent.futures.Future``."""
        _check_func(func)
        workers = self._get_workers(func)
        call = _Apply(func, args, kwargs)
        future = concurrent.futures.Future()
        job = _FutureJob(call, future, self.shm_threshold)
        job.func_blob = self._prepare(call, workers)
        workers.put(job, 0, [None])
        return future

    # -- map
    def map(self, func, items, *, chunksize=None, ordered=True, progress=False, timeout=None):
        """``[func(x) for x in items]`` on the pool's workers; see ``parallel_map``."""
        _check_func(func)
        chunksize = _check_chunksize(chunksize)
        timeout = _check_timeout(timeout)
        items = list(items)
        workers = self._get_workers(func)
        if _tls.workers is workers:
            # From inside one of this pool's threads: waiting on the pool could deadlock.
            return _run_inline(func, items, ordered)
        return _run_map(workers, func, items, chunksize, ordered, progress, timeout,
                        self._prepare(func, workers), self.shm_threshold)

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Stop the workers once the queued work is done (``cancel_futures=True`` drops
        what has not started). ``wait=True`` waits for them to exit."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, None
        if workers is None:
            return
        if cancel_futures:
            q = workers.queue
            while True:
                try:
                    task = q.get_nowait()
                except Exception:
                    break
                if task is None:
                    continue
                job = task[0]
                job.cancelled = True
                if isinstance(job, _FutureJob):
                    job.future.cancel()
        workers.shutdown(wait)


# ------------------------------------------------------------------ running a map

def _run_map(workers, func, items, chunksize, ordered, progress, timeout, func_blob,
             threshold):
    n = len(items)
    if n == 0:
        return [] if ordered else iter(())
    if chunksize is None:
        chunksize = _auto_chunksize(n, workers.n, workers.kind)
    starts = range(0, n, chunksize)
    job = _Job(func, len(starts), threshold if workers.kind == "processes" else None)
    job.func_blob = func_blob
    job.done = _SimpleQueue()
    try:
        for s in starts:
            workers.put(job, s, items[s:s + chunksize])
    except BaseException:   # Ctrl-C while queueing: drop what was queued
        job.cancelled = True
        raise
    results = _Results(job, workers, n, ordered, progress, timeout)
    if ordered:
        return results.collect()
    return results


class _Progress:
    def __init__(self, total):
        self.total = total
        self.n = 0
        self.bar = None
        try:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=total)
        except Exception:
            self.last = 0.0
            self._write()

    def update(self, k):
        self.n += k
        if self.bar is not None:
            self.bar.update(k)
        else:
            now = time.monotonic()
            if now - self.last >= 0.1 or self.n >= self.total:
                self._write()

    def _write(self):
        self.last = time.monotonic()
        sys.stderr.write(f"\rparallel_map: {self.n}/{self.total}")
        sys.stderr.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        else:
            self._write()
            sys.stderr.write("\n")
            sys.stderr.flush()


class _Results:
    """Collects a map's chunks: a list in input order, or an iterator as they finish."""

    def __init__(self, job, workers, n, ordered, progress, timeout):
        self.job = job
        self.workers = workers
        self.n = n
        self.left = job.n_chunks
        self.done = 0
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.timeout = timeout
        self.progress = _Progress(n) if progress else None
        self.pending = []           # unordered: results of the last chunk not yet yielded
        self.finished = False

    def _next_chunk(self):
        """(start, values) of the next finished chunk; raises the first error."""
        job = self.job
        while True:
            wait = None
            if self.deadline is not None:
                wait = self.deadline - time.monotonic()
                if wait <= 0:
                    self._fail()
                    raise TimeoutError(
                        f"parallel_map: {self.done} of {self.n} items finished within "
                        f"timeout={self.timeout} s")
            try:
                kind, start, payload = job.done.get(timeout=wait)
            except _Empty:
                continue
            except BaseException:       # KeyboardInterrupt while waiting
                self._fail()
                raise
            self.left -= 1
            if kind == _OK:
                self.done += len(payload)
                if self.progress is not None:
                    self.progress.update(len(payload))
                return start, payload
            if kind == _SKIPPED:
                continue
            self._fail(kill=False)
            if kind == _DIED:
                raise payload
            if len(payload) == 3:       # from a worker process
                index, exc_blob, info = payload
                exc = _remote_exc(exc_blob, info)
            else:
                index, exc = payload
            _reraise(exc, index)

    def _fail(self, kill=True):
        self.job.cancelled = True
        if kill:
            self.workers.cancel_job(self.job)
        self._finish()

    def _finish(self):
        if not self.finished:
            self.finished = True
            self.job.release()
            if self.progress is not None:
                self.progress.close()

    def collect(self):
        out = [None] * self.n
        try:
            while self.left:
                start, values = self._next_chunk()
                out[start:start + len(values)] = values
        finally:
            self._finish()
        return out

    def __iter__(self):
        return self

    def __next__(self):
        while not self.pending:
            if not self.left:
                self._finish()
                raise StopIteration
            try:
                _, values = self._next_chunk()
            except BaseException:
                self.left = 0
                raise
            values.reverse()
            self.pending = values
        return self.pending.pop()

    def close(self):
        """Stop: cancel what has not started (also done when the iterator is dropped)."""
        if not self.finished:
            self.job.cancelled = True
            self._finish()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass




def _reraise(exc, index):
    """Raise ``exc`` (from item ``index``) in the caller: the same type with the index in
    the message, the original (with the worker's traceback) chained as the cause."""
    msg = f"parallel_map: item {index} raised {type(exc).__name__}: {exc}"
    if isinstance(exc, StopIteration):
        # as PEP 479: a StopIteration escaping into an iterator would end it silently
        raise RuntimeError(msg) from exc
    try:
        new = type(exc)(msg)
        if type(new) is not type(exc):
            raise TypeError
    except Exception:
        # A constructor with other arguments: re-raise the original, with a note.
        exc.add_note(f"(raised by parallel_map for item {index})")
        raise exc
    new.item_index = index
    raise new from exc


# ------------------------------------------------------------------ parallel_map

_default_pools = {}
_default_lock = threading.Lock()


def _default_pool(backend, n_workers):
    key = (backend, n_workers, _config.get_num_threads())
    with _default_lock:
        pool = _default_pools.get(key)
        if pool is None or pool._closed:
            pool = _default_pools[key] = TaskPool(n_workers, backend)
        return pool


@atexit.register
def _shutdown_default_pools():
    with _default_lock:
        pools = list(_default_pools.values())
        _default_pools.clear()
    # At exit nobody waits for results any more: stop the workers, give the processes a
    # moment to exit on their own, then kill what is left (an abandoned long task).
    workers = []
    for pool in pools:
        with pool._lock:
            pool._closed = True
            w, pool._workers = pool._workers, None
        if w is not None:
            w.shutdown(wait=False)
            workers.append(w)
    deadline = time.monotonic() + 2.0
    for w in workers:
        if isinstance(w, _ProcessWorkers):
            for t in w.threads:
                t.join(max(0.0, deadline - time.monotonic()))
            for slot in w.slots:
                proc = slot.proc
                if proc is not None and proc.exitcode is None:
                    proc.kill()
                    proc.join(1.0)


def parallel_map(func, items, *, n_workers=None, backend="auto", chunksize=None,
                 ordered=True, progress=False, timeout=None):
    """Apply ``func`` to every item of ``items`` on several workers at once.

    Parameters
    ----------
    func : callable
        Called as ``func(item)``. For ``backend="processes"`` it must be picklable (a
        module-level function); otherwise a ``TypeError`` is raised before anything runs.
    items : iterable
        Read into a list first.
    n_workers : int, optional
        Workers (default: the CPUs this process may use; negative counts down).
    backend : {"auto", "threads", "processes"}
        ``"auto"``: threads on free-threaded CPython or when ``func`` is a concore
        function, processes otherwise. The workers of each (backend, n_workers) are kept
        and reused by later calls; a call made from inside a worker runs inline.
    chunksize : int, optional
        Items per queue operation. Default: about 8 chunks per worker for threads,
        4 for processes (``ceil(len(items) / (n_workers * k))``).
    ordered : bool
        True (default): return a ``list`` of the results in input order. False: return an
        iterator that yields the results as their chunks finish (order not specified);
        dropping it cancels what has not started.
    progress : bool
        Show a tqdm bar when tqdm imports, else a counter on stderr.
    timeout : float, optional
        Seconds for the whole call; ``TimeoutError`` when exceeded (for an unordered
        iterator: counted from the call).

    Each worker runs its tasks with its share of concore's thread budget
    (``concore.threads(max(1, T // n_workers))``), so concore kernels called from the
    tasks never oversubscribe the cores. The first exception raised by ``func`` cancels
    the items that have not started and is re-raised as the same type with the item's
    index in the message and the original exception (and the worker's traceback) as its
    cause. A worker process that dies raises ``WorkerDied``.
    """
    _check_func(func)
    _check_backend(backend)
    chunksize = _check_chunksize(chunksize)
    timeout = _check_timeout(timeout)
    n = None if n_workers is None else _config._resolve(n_workers, "n_workers")
    items = list(items)
    if backend == "auto":
        backend = _choose(func)[0]
    if _tls.in_worker or _IN_WORKER_PROCESS:
        return _run_inline(func, items, ordered)
    pool = _default_pool(backend, n)
    return pool.map(func, items, chunksize=chunksize, ordered=ordered, progress=progress,
                    timeout=timeout)


def _run_inline(func, items, ordered):
    """A nested call (from inside a worker): run serially here, same error contract."""
    out = []
    append = out.append
    try:
        for item in items:
            append(func(item))
    except Exception as e:
        _reraise(e, len(out))
    return out if ordered else iter(out)
