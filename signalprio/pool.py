"""Worker processes that outlive a crashing SUMO.

libsumo runs SUMO inside the worker process, so a segmentation fault in SUMO kills the worker;
concurrent.futures' process pool then breaks and fails every pending run. Here each worker takes
one task at a time over its own pipe and the pool watches its process: a worker that dies fails
only the task it was running (with its signal or exit code and the last SUMO commands it logged)
and a fresh worker takes its place.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

_LAST_COMMANDS = 8


class WorkerDied(RuntimeError):
    """The worker process died while running a task: SUMO crashed (or the process was killed)."""


def _serve(connection: Connection, breadcrumbs: str) -> None:
    """A worker: run tasks one at a time until told to stop, logging SUMO commands to `breadcrumbs`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the workers
    trail = open(breadcrumbs, "w", encoding="utf-8")  # noqa: SIM115  open for the worker's life
    handler = logging.StreamHandler(trail)  # flushed on every record: the last lines survive a crash
    log = logging.getLogger("signalprio")  # the SUMO session logs every command it sends at DEBUG
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        if task is None:
            return
        fn, arg = task
        trail.seek(0)
        trail.truncate()  # the trail of this task only
        try:
            reply = (True, fn(arg))
        except BaseException as error:  # delivered to the parent's future, as concurrent.futures does
            reply = (False, error)
        try:
            connection.send(reply)
        except Exception as error:  # an exception or result that does not pickle
            connection.send((False, RuntimeError(f"{type(error).__name__}: {error}")))


class _Worker:
    def __init__(self, context: Any, breadcrumbs: Path) -> None:
        self.breadcrumbs = breadcrumbs
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, str(breadcrumbs)), daemon=True)
        self.process.start()
        child.close()
        self.future: Future[Any] | None = None

    def death(self) -> WorkerDied:
        code = self.process.exitcode
        cause = (f"signal {signal.Signals(-code).name}" if code is not None and code < 0
                 else f"exit code {code}")
        with contextlib.suppress(OSError):
            lines = self.breadcrumbs.read_text().splitlines()[-_LAST_COMMANDS:]
            if lines:
                return WorkerDied(f"SUMO crashed ({cause}); last commands sent: {' | '.join(lines)}")
        return WorkerDied(f"SUMO crashed ({cause}) before any command was sent")

    def stop(self) -> None:
        if self.future is None and self.process.is_alive():
            with contextlib.suppress(OSError):
                self.connection.send(None)
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


class WorkerPool:
    """`workers` spawned processes (no SUMO state is ever forked) running submitted tasks one at a time each."""

    def __init__(self, workers: int) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._size = workers
        self._folder = tempfile.TemporaryDirectory(prefix="signalprio-workers-")
        self._tasks: deque[tuple[Future[Any], Callable[..., Any], Any]] = deque()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._wake_read, self._wake_write = self._context.Pipe(duplex=False)
        self._closed = False
        self._thread: threading.Thread | None = None
        self._started = 0

    def submit(self, fn: Callable[..., Any], arg: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is closed")
            self._tasks.append((future, fn, arg))
            if self._thread is None:
                self._thread = threading.Thread(target=self._dispatch, name="signalprio-pool", daemon=True)
                self._thread.start()
        self._wake_write.send(None)
        return future

    def _new_worker(self) -> _Worker:
        self._started += 1
        return _Worker(self._context, Path(self._folder.name) / f"worker-{self._started}.log")

    def _dispatch(self) -> None:
        """Hand tasks to idle workers; deliver results; replace a worker that died with the task it ran. Should the
        loop itself fail, every waiting task fails with the reason: nobody waits for a result that cannot come."""
        try:
            self._loop()
        except BaseException as error:
            with self._lock:
                self._closed = True
                waiting = [future for future, _, _ in self._tasks]
                waiting += [w.future for w in self._workers if w.future is not None]
                self._tasks.clear()
            for future in waiting:
                if not future.done():
                    future.set_exception(RuntimeError(f"the worker pool failed: {type(error).__name__}: {error}"))

    def _loop(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                self._assign()
                busy = [w for w in self._workers if w.future is not None]
            ready = wait([self._wake_read, *(w.connection for w in busy), *(w.process.sentinel for w in busy)])
            while self._wake_read.poll():
                self._wake_read.recv()
            for worker in busy:
                if worker.connection in ready or worker.process.sentinel in ready:
                    self._collect(worker)

    def _assign(self) -> None:
        while self._tasks and (len(self._workers) < self._size or any(w.future is None for w in self._workers)):
            future, fn, arg = self._tasks.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            idle = next((w for w in self._workers if w.future is None), None)
            if idle is None:
                idle = self._new_worker()
                self._workers.append(idle)
            idle.future = future
            try:
                idle.connection.send((fn, arg))
            except OSError:  # the worker died while idle (killed from outside): this task fails with its cause
                idle.process.join()
                future.set_exception(idle.death())
                self._workers.remove(idle)
                idle.connection.close()

    def _collect(self, worker: _Worker) -> None:
        future = worker.future
        assert future is not None
        try:
            ok, value = worker.connection.recv()
        except (EOFError, OSError):
            worker.process.join()
            future.set_exception(worker.death())
            with self._lock:
                self._workers.remove(worker)
                worker.connection.close()
            return
        worker.future = None
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def close(self) -> None:
        """Stop every worker (one still running a task is killed) and fail the tasks not yet started."""
        with self._lock:
            self._closed = True
            pending = list(self._tasks)
            self._tasks.clear()
        self._wake_write.send(None)
        if self._thread is not None:
            self._thread.join()
        for future, _, _ in pending:
            future.cancel()
        for worker in self._workers:
            worker.stop()
            if worker.future is not None and not worker.future.done():
                worker.future.set_exception(WorkerDied("stopped: the pool was closed while this task ran"))
        self._wake_read.close()
        self._wake_write.close()
        self._folder.cleanup()
