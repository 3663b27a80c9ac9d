"""Writers change a copy of the warehouse and publish it whole: readers never wait and never see half a write.

DuckDB lets one process open a file read-write or many open it read-only, never both. So no writer
(ingest, reextract, remove, the views `make sql` adds to an older warehouse) opens the warehouse
itself. Under the writer lock (warehouse/lock.py) it copies `<warehouse>` to `<warehouse>.writing`
(a reflink where the filesystem can, else a plain copy), works on the copy, and publishes it: DuckDB
checkpoints and closes the copy (no write-ahead log is left), the copy is fsynced and renamed onto
`<warehouse>` (os.replace, atomic), and the folder is fsynced. A reader that opened the warehouse
before keeps reading the file it opened, its snapshot, until it reconnects; a reader that opens it
afterwards gets the new file. Nothing half-written is ever at `<warehouse>`: a writer killed at any
moment leaves the last published file as it was, and a `.writing` copy that the next writer deletes.

    with published_warehouse(path, wait, log) as con:   # the copy, schema up to date
        con.execute(...)                                 # a DuckDB connection, as usual
        con.publish()                                    # optional: readers see the work so far
    # published on leaving the block (when anything was written); on an exception, nothing is

While it writes, the writer holds a read lock on the published file, the same fcntl lock a read-only
DuckDB takes: readers share it, and a process that would open the warehouse read-write (a shell or
notebook without read-only, whose changes the next publication would drop) is refused by DuckDB. A
read-write holder met at the start is waited for like another writer (`--wait`). A write-ahead log
beside the published file (left by an older version's killed ingest, or a killed read-write shell)
holds committed data that a copy must not lose, and would be replayed onto the new file: it is
checkpointed into the file in place first, which needs the file to itself for a moment.

The copy doubles the disk space a writer needs: the warehouse, its copy, and what the writer adds;
a reader that holds an old snapshot keeps that file's space until it reconnects.

A writer process must not open the published file again while it writes (through DuckDB, or even
open() and close()): closing that descriptor would drop this process's read lock, since fcntl
locks belong to the process, not the descriptor. The copy is read through the lock's descriptor.
"""
from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from warehouse.damage import WarehouseUnusable, explain_failure, failures_explained, no_space
from warehouse.lock import POLL_SECONDS, WarehouseBusy, explain_lock_error, hold_writer_lock, lock_holder, lock_timeout

WORKING_SUFFIX = ".writing"
ALIAS = "warehouse"   # the catalog name of the copy in the writer's connection
FICLONE = 0x40049409  # linux/fs.h: share the source's blocks (btrfs, XFS, bcachefs); EOPNOTSUPP elsewhere
FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def published_path(warehouse: Path) -> Path:
    """The file a publication replaces: the warehouse, or the file it links to (the link stays)."""
    return Path(os.path.realpath(warehouse)) if os.path.islink(warehouse) else Path(warehouse)


def working_path_for(warehouse: Path) -> Path:
    """The copy a writer works on, beside the warehouse (the same filesystem, so the rename is atomic).

    >>> working_path_for(Path("warehouse/warehouse.duckdb")).as_posix()
    'warehouse/warehouse.duckdb.writing'
    """
    target = published_path(warehouse)
    return target.with_name(target.name + WORKING_SUFFIX)


def leftovers(warehouse: Path) -> list[Path]:
    """What a killed writer may leave: its copy, the copy's write-ahead log and DuckDB's spill folder."""
    working = working_path_for(warehouse)
    return [working, Path(f"{working}.wal"), Path(f"{working}.tmp")]


def remove_leftovers(warehouse: Path) -> list[Path]:
    """Delete a killed writer's copy (only ever called under the writer lock); the paths removed."""
    removed = []
    for path in leftovers(warehouse):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        elif os.path.lexists(path):
            path.unlink()
            removed.append(path)
    return removed


def copy_file(source, target: Path) -> str:
    """Copy the open file `source` to a new file `target`: a reflink where the filesystem shares blocks,
    else the bytes (copy_file_range, in the kernel). Returns "reflink" or "copy".

    The source is read through the descriptor given, never opened again: closing another descriptor
    of the file would drop this process's lock on it."""
    size = os.fstat(source.fileno()).st_size
    with open(target, "wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), FICLONE, source.fileno())
            method = "reflink"
        except OSError:
            method = "copy"
            copy_range(source.fileno(), dst.fileno(), size)
        os.fchmod(dst.fileno(), os.fstat(source.fileno()).st_mode & 0o7777)
    return method


def copy_range(src: int, dst: int, size: int) -> None:
    """`size` bytes from the start of `src` to `dst`, without moving `src`'s position."""
    offset = 0
    while offset < size:
        try:
            done = os.copy_file_range(src, dst, size - offset, offset, offset)
        except OSError as exc:   # not across these filesystems, or not on this kernel: by hand
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
            done = os.pwrite(dst, os.pread(src, min(size - offset, 1 << 24), offset), offset)
        if done == 0:
            break
        offset += done


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Held(Exception):
    """Another process holds the file read-write."""


class ReadLock:
    """A shared fcntl lock on a file, as a read-only DuckDB holds one: compatible with readers,
    refused to a read-write opener (and refused, Held, while one holds the file)."""

    def __init__(self, path: Path):
        self.handle = open(path, "rb")
        try:
            fcntl.lockf(self.handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            self.handle.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise Held() from exc
            raise

    def release(self) -> None:
        if not self.handle.closed:
            self.handle.close()   # closing the descriptor releases the lock


def read_lock(warehouse: Path, timeout: float, log) -> ReadLock:
    """Take the read lock on the published file, waiting while a read-write process holds it."""
    deadline, told = time.monotonic() + timeout, False
    while True:
        try:
            return ReadLock(warehouse)
        except Held:
            holder = holder_of(warehouse)
            if holder is None:   # gone meanwhile
                continue
            if time.monotonic() >= deadline:
                raise WarehouseBusy(explain_lock_error(warehouse, holder)) from None
            if not told:
                log(f"waiting for {warehouse}: open in another process ({holder})")
                told = True
            time.sleep(POLL_SECONDS)


def holder_of(warehouse: Path) -> str | None:
    """Who holds the file read-write, in DuckDB's words (its message names the program and pid);
    None when nobody does now. Opened here before this process holds its own lock on the file."""
    try:
        duckdb.connect(str(warehouse), read_only=True).close()
        return None
    except duckdb.Error as exc:
        return lock_holder(str(exc)) or "pid unknown"


def fold_write_ahead_log(warehouse: Path, timeout: float, log) -> None:
    """Checkpoint a write-ahead log left beside the published file into it, in place."""
    from warehouse.lock import connect_warehouse
    log(f"{warehouse}: checkpointing the write-ahead log left by a process that did not close it")
    connect_warehouse(warehouse, read_only=False, timeout=timeout, log=log).close()


class WorkingCopy:
    """The writer's connection to its copy of the warehouse: every DuckDB connection method, and
    `publish()`. After a publication the next use copies the published file again."""

    def __init__(self, warehouse: Path, con: duckdb.DuckDBPyConnection, lock: ReadLock | None):
        self.warehouse = Path(warehouse)
        self.working = working_path_for(warehouse)
        self.lock = lock              # on the published file, while there is one
        self.attached = False
        self.copied: tuple | None = None   # (inode, size, mtime) of the copy when it was made
        self.copy_seconds = 0.0       # the copies and publications, for the bench
        self.publish_seconds = 0.0
        self.publications = 0
        self._con = con

    # -- the connection
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if not self.attached:
            self.attach()
        return self._con

    def __getattr__(self, name):
        return getattr(self.con, name)

    def attach(self) -> None:
        """Copy the published warehouse (when there is one) and attach the copy read-write."""
        started = time.perf_counter()
        try:
            if self.lock is not None:   # the published file, through the descriptor that holds the read lock
                copy_file(self.lock.handle, self.working)
        except OSError as exc:
            self.working.unlink(missing_ok=True)
            if exc.errno in FULL:   # named by the file it could not write
                raise no_space(self.warehouse, OSError(exc.errno, exc.strerror, str(self.working))) from exc
            raise
        self.copy_seconds += time.perf_counter() - started
        try:
            self._con.execute(f"attach '{sql_quote(self.working)}' as {ALIAS}")
        except duckdb.Error as exc:
            unusable = explain_failure(self.warehouse, exc)
            if unusable is None:
                raise
            raise unusable from exc
        self._con.execute(f"use {ALIAS}")
        self.attached = True
        self.copied = stamp(self.working)

    def attach_published(self, alias: str) -> bool:
        """Attach the warehouse as last published, read-only, as `alias`: what it held before this
        writer's changes, on disk (no memory of its own), to compare with. False when there is none.

        It stays attached until the connection closes, after any publication: DuckDB's descriptor on
        the published file must not be closed while that file is still the published one, or this
        process's read lock would go with it."""
        if self.lock is None:
            return False
        self.con.execute(f"attach '{sql_quote(published_path(self.warehouse))}' as {alias} (read_only)")
        return True

    def changed(self) -> bool:
        """Has anything been written to the copy since it was made? A write goes to its write-ahead
        log first; a checkpoint or a large insert writes the file itself."""
        return Path(f"{self.working}.wal").exists() or stamp(self.working) != self.copied

    def detach(self) -> None:
        """Checkpoint the copy and close it: afterwards the file is complete and has no log."""
        with failures_explained(self.warehouse):
            self._con.execute("use memory")
            self._con.execute(f"detach {ALIAS}")
        self.attached = False
        if Path(f"{self.working}.wal").exists():
            raise WarehouseUnusable(f"{self.warehouse}: not published: DuckDB left a write-ahead log beside "
                                    f"{self.working} after its checkpoint")

    def publish(self) -> bool:
        """Make what is committed in the copy the warehouse that readers open; False when nothing was
        written since the last publication. The next use of the connection makes a new copy."""
        if not self.attached:
            return False
        if not self.changed():
            return False
        started = time.perf_counter()
        self.detach()
        try:
            fsync_path(self.working)
            lock = ReadLock(self.working)   # nobody else has the copy open
            target = published_path(self.warehouse)
            os.replace(self.working, target)
            fsync_path(target.parent)
        except OSError as exc:
            if exc.errno in FULL:
                raise no_space(self.warehouse, exc) from exc
            raise
        if self.lock is not None:
            self.lock.release()
        self.lock = lock
        self.publications += 1
        self.publish_seconds += time.perf_counter() - started
        return True

    def discard(self) -> None:
        """Close the connection and delete the copy: the published warehouse stays as it was."""
        try:
            self._con.close()
        except duckdb.Error:
            pass
        self.attached = False
        remove_leftovers(self.warehouse)

    def finish(self) -> None:
        """Publish what was written since the last publication; drop an unchanged copy."""
        if self.attached and self.changed():
            self.publish()
        self.discard()


def stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def sql_quote(path: Path) -> str:
    return str(path).replace("'", "''")


@contextmanager
def published_warehouse(warehouse: Path, wait: float | None = None, log=print,
                        memory: str | None = None) -> Iterator[WorkingCopy]:
    """Write to a copy of the warehouse and publish it on leaving the block (see the module's doc).

    Waits (up to `wait`, else $SOLIEU_LOCK_TIMEOUT, else 600 s) for another writer and for a process
    that holds the published file read-write, then WarehouseBusy; a damaged file or a full disk
    raise WarehouseUnusable. The schema is brought up to date; `memory` caps DuckDB's memory
    (e.g. '128MB'). On an exception the copy is deleted and nothing is published."""
    from warehouse.load import create_schema
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    timeout = lock_timeout(wait)
    with hold_writer_lock(warehouse, wait, log):
        remove_leftovers(warehouse)
        if warehouse.exists() and Path(f"{warehouse}.wal").exists():
            fold_write_ahead_log(warehouse, timeout, log)
        lock = read_lock(warehouse, timeout, log) if warehouse.exists() else None
        con = duckdb.connect()
        copy = WorkingCopy(warehouse, con, lock)
        try:
            con.execute(f"set temp_directory = '{sql_quote(Path(f'{copy.working}.tmp'))}'")
            con.execute("set enable_progress_bar = false")   # DuckDB's own bar would garble the output
            with failures_explained(warehouse):
                create_schema(copy)   # under DuckDB's own cap: keying an older warehouse's claims may need more
            if memory:
                con.execute(f"set memory_limit = '{memory}'")
            yield copy
            copy.finish()
        except BaseException:
            copy.discard()
            raise
        finally:
            if copy.lock is not None:
                copy.lock.release()
