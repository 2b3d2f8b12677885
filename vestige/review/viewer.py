"""The system viewer: ``$VESTIGE_OPENER`` if set, else ``xdg-open`` (Linux, BSD) or ``open`` (macOS)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile

from ..errors import EXIT_ARCHIVE, VestigeError

OPENER_ENV = "VESTIGE_OPENER"
# An opener that cannot open something says so at once; one still running after this is a viewer at work.
GRACE_SECONDS = 2.0


class NoViewer(VestigeError):
    """Nothing here can show the file or page: no display, no opener, or the opener failed."""

    exit_code = EXIT_ARCHIVE  # like a missing Chromium: the machine lacks a program, the input is fine
    kind = "no-viewer"


def viewer_command() -> list[str]:
    """The opener to run, with its arguments; the target is appended. Raises NoViewer."""
    configured = os.environ.get(OPENER_ENV, "").strip()
    if configured:
        try:
            return shlex.split(configured)
        except ValueError as exc:
            raise NoViewer(f"{OPENER_ENV} is not a usable command ({exc})") from None
    if sys.platform == "darwin":
        return ["open"]
    if sys.platform == "win32":
        return []  # os.startfile, below
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise NoViewer("no display here (DISPLAY and WAYLAND_DISPLAY are unset)")
    found = shutil.which("xdg-open")
    if found is None:
        raise NoViewer("xdg-open is not installed (Debian: apt-get install xdg-utils)")
    return [found]


def launch(target: str) -> list[str]:
    """Hand ``target`` (a file path or a URL) to the viewer; return the command run.

    The viewer runs in its own session, so it outlives this process and a Ctrl-C here. Raises NoViewer
    when the opener is missing or exits with an error within ``GRACE_SECONDS``.
    """
    command = viewer_command()
    if not command:  # pragma: no cover - Windows
        if sys.platform == "win32":
            try:
                os.startfile(target)
            except OSError as exc:
                raise NoViewer(f"Windows could not open it ({exc.strerror or exc})") from None
        return ["startfile"]
    # stderr goes to an unlinked file, never a pipe: a viewer writing warnings after we exit would get
    # SIGPIPE from an abandoned pipe.
    with tempfile.TemporaryFile() as said:
        try:
            proc = subprocess.Popen(
                [*command, target],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=said,
                start_new_session=True,
            )
        except OSError as exc:
            raise NoViewer(f"cannot run {command[0]}: {exc.strerror or exc}") from None
        try:
            code = proc.wait(GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            return command
        if code != 0:
            said.seek(0)
            lines = said.read(4096).decode("utf-8", "replace").strip().splitlines()
            detail = f": {lines[-1].strip()}" if lines else ""
            raise NoViewer(f"{command[0]} failed (exit {code}){detail}")
    return command
