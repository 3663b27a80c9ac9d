"""ReadError and the messages of a file that cannot be read: the problem, then what to do."""
from __future__ import annotations

import errno


class ReadError(Exception):
    """A file that cannot be ingested; the message says why and what to do."""


EMPTY_MESSAGE = "file is empty (0 bytes): get the complete report and ingest again"
BLANK_MESSAGE = "file is empty (blank space only, no text): get the complete report and ingest again"
# errno -> the problem and what to do, in the user's terms.
OS_ERRORS = {
    errno.EACCES: "permission denied: this user may not read the file; make it readable (chmod a+r) "
                  "and ingest again",
    errno.EPERM: "permission denied: this user may not read the file; make it readable (chmod a+r) "
                 "and ingest again",
    errno.ENOENT: "file not found (moved or deleted, or a link to a missing file): check the path and ingest again",
    errno.ELOOP: "symbolic link loop (the link leads back to itself): point it at the report file, or give "
                 "the file itself",
    errno.EISDIR: "is a folder, not a report file: give the file itself, or rename the folder",
    errno.EIO: "the disk could not read the file (I/O error): copy it to a healthy disk and ingest again",
    errno.ENAMETOOLONG: "file name too long: rename the file and ingest again",
}


def describe_os_error(exc: OSError) -> str:
    """The problem and what to do for an OSError met while opening or reading a report.

    >>> describe_os_error(PermissionError(13, "Permission denied"))
    'permission denied: this user may not read the file; make it readable (chmod a+r) and ingest again'
    >>> describe_os_error(OSError(71, "Protocol error"))
    'cannot be read (Protocol error): check the file and ingest again'
    """
    return OS_ERRORS.get(exc.errno) or f"cannot be read ({exc.strerror or exc}): check the file and ingest again"

