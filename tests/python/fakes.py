"""The `herald-fakes` process (fake APNs, FCM, ADM and Baidu) and a client for its control API.

`herald-fakes --dir DIR` writes DIR/fakes.json (every URL and credential), DIR/herald.toml (the
providers section that points Herald at the fakes) and the key files, then prints
`herald-fakes ready: DIR/fakes.json`. Its doc comment (crates/herald-testkit/src/bin/herald-fakes.rs)
describes the files and the control API.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT_SECONDS = 30
SHUTDOWN_TIMEOUT_SECONDS = 30
READY_PREFIX = "herald-fakes ready: "
PROVIDERS = ("apns", "fcm", "adm", "baidu")

# The control API is on 127.0.0.1: never send its requests through an http_proxy from the
# environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Fakes:
    """A running `herald-fakes` and what it wrote to fakes.json."""

    process: subprocess.Popen
    info: dict
    stderr_path: Path

    @property
    def herald_toml(self) -> Path:
        return Path(self.info["herald_toml"])

    @property
    def apns(self) -> dict:
        return self.info["apns"]

    @property
    def fcm(self) -> dict:
        return self.info["fcm"]

    @property
    def adm(self) -> dict:
        return self.info["adm"]

    @property
    def baidu(self) -> dict:
        return self.info["baidu"]

    def received(self, provider: str) -> list[dict]:
        """What one fake received, in arrival order, whatever it answered."""
        return self._call("GET", f"/{_checked(provider)}/received")

    def script(self, provider: str, token: str, outcomes: list[dict]) -> None:
        """The answers to the next requests for `token`, one each; later ones succeed again."""
        self._call("POST", f"/{_checked(provider)}/script", {"token": token, "outcomes": outcomes})

    def reset(self) -> None:
        """Forgets every received request and unused script."""
        self._call("POST", "/reset")

    def _call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.info["control_url"] + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with _OPENER.open(request, timeout=10) as response:
            content = response.read()
        return json.loads(content) if content else None


def _checked(provider: str) -> str:
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}; the fakes are {', '.join(PROVIDERS)}")
    return provider


def start(binary: Path, directory: Path, environment: dict[str, str]) -> Fakes:
    """Starts `binary --dir directory` and waits for its ready line; raises RuntimeError if it fails."""
    stderr_path = directory.parent / f"{directory.name}.stderr"
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            [str(binary), "--dir", str(directory)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=environment,
        )
    lines: queue.Queue = queue.Queue()

    def forward() -> None:
        # Keeps reading so that the pipe never fills up, even though only the first line matters.
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=forward, daemon=True).start()

    def fail(reason: str) -> None:
        if process.poll() is None:
            process.kill()
            process.wait()
        raise RuntimeError(
            f"herald-fakes did not start: {reason}\n--- stderr ---\n{stderr_path.read_text(errors='replace')}"
        )

    try:
        first = lines.get(timeout=STARTUP_TIMEOUT_SECONDS)
    except queue.Empty:
        fail(f"no ready line within {STARTUP_TIMEOUT_SECONDS} s")
    if first is None:
        fail(f"it exited with status {process.wait()} before printing anything")
    if not first.startswith(READY_PREFIX):
        fail(f"unexpected first line on stdout: {first!r}")
    info = json.loads(Path(first[len(READY_PREFIX) :].strip()).read_text())
    return Fakes(process, info, stderr_path)


def stop(fakes: Fakes) -> int:
    """SIGTERM, then the exit status (killed, and RuntimeError, if it does not stop in time)."""
    fakes.process.send_signal(signal.SIGTERM)
    try:
        return fakes.process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        fakes.process.kill()
        fakes.process.wait()
        raise RuntimeError(f"herald-fakes did not stop within {SHUTDOWN_TIMEOUT_SECONDS} s of SIGTERM")
