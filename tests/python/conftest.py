"""Fixtures for testing Herald with boto3, the way AWS SDK users talk to it.

One Herald server runs for the whole session: the binary named by HERALD_BIN,
on a free loopback port, with its state in a temporary data directory. Tests
reach it through boto3 clients pointed at it with endpoint_url, signed with the
root account's keys that Herald writes to DATA_DIR/credentials.
"""

from __future__ import annotations

import configparser
import datetime
import json
import os
import queue
import re
import signal
import subprocess
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

import fakes as herald_fakes_process

REGION = "us-east-1"
STARTUP_TIMEOUT_SECONDS = 30
SHUTDOWN_TIMEOUT_SECONDS = 30
LISTENING_LINE = re.compile(r"^Herald is listening on (http://\S+)\s*$")

# No retries: a failing request should fail the test at once, with the first answer.
CLIENT_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=10, read_timeout=30)


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Herald:
    """A running Herald server and the root account's credentials."""

    endpoint: str
    access_key_id: str
    secret_access_key: str

    def client(self, service: str, *, access_key_id: str | None = None, secret_access_key: str | None = None):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=access_key_id or self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            config=CLIENT_CONFIG,
        )


def _herald_binary() -> Path:
    value = os.environ.get("HERALD_BIN")
    if not value:
        pytest.exit(
            "HERALD_BIN is not set: point it at the herald binary, e.g. "
            "HERALD_BIN=$CARGO_TARGET_DIR/debug/herald (build it with `cargo build -p herald-server`)",
            returncode=2,
        )
    binary = Path(value)
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.exit(f"HERALD_BIN={value} is not an executable file; build it with `cargo build -p herald-server`", 2)
    return binary


def _server_environment() -> dict[str, str]:
    # Herald refuses unknown HERALD_* variables (HERALD_BIN among them) and would let known ones
    # override the command line's intent; the server under test gets none of them.
    return {name: value for name, value in os.environ.items() if not name.startswith("HERALD_")}


def _read_lines(stream, lines: queue.Queue) -> None:
    """Forwards the server's stdout line by line, so that its pipe never fills up."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _wait_for_endpoint(process: subprocess.Popen, lines: queue.Queue, stderr_path: Path) -> str:
    def fail(reason: str) -> None:
        if process.poll() is None:
            process.kill()
            process.wait()
        stderr = stderr_path.read_text(errors="replace")
        pytest.fail(f"Herald did not start: {reason}\n--- herald stderr ---\n{stderr}", pytrace=False)

    try:
        first = lines.get(timeout=STARTUP_TIMEOUT_SECONDS)
    except queue.Empty:
        fail(f"no listening line on stdout within {STARTUP_TIMEOUT_SECONDS} s")
    if first is None:
        fail(f"it exited with status {process.wait()} before printing anything")
    match = LISTENING_LINE.match(first)
    if not match:
        fail(f"unexpected first line on stdout: {first!r}")
    return match.group(1)


def _read_credentials(path: Path) -> tuple[str, str]:
    parser = configparser.ConfigParser()
    assert parser.read(path), f"Herald did not write {path}"
    profile = parser["default"]
    return profile["aws_access_key_id"], profile["aws_secret_access_key"]


def _run_herald(data_dir: Path, extra_args: list[str]):
    """Runs `herald serve` on a free port with `data_dir`, yields it, then stops it with SIGTERM
    and checks that it exited cleanly."""
    stderr_path = data_dir.parent / f"{data_dir.name}.stderr"
    command = [str(_herald_binary()), "serve", *extra_args, "--listen", "127.0.0.1:0", "--data-dir", str(data_dir)]
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=_server_environment(),
        )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()

    endpoint = _wait_for_endpoint(process, lines, stderr_path)
    access_key_id, secret_access_key = _read_credentials(data_dir / "credentials")
    yield Herald(endpoint, access_key_id, secret_access_key)

    process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"Herald did not stop within {SHUTDOWN_TIMEOUT_SECONDS} s of SIGTERM", pytrace=False)
    assert status == 0, (
        f"Herald exited with status {status} after SIGTERM\n--- herald stderr ---\n"
        + stderr_path.read_text(errors="replace")
    )


@pytest.fixture(scope="session")
def herald(tmp_path_factory) -> Herald:
    yield from _run_herald(tmp_path_factory.mktemp("herald-data"), [])


@pytest.fixture(scope="session")
def pinpoint(herald):
    return herald.client("pinpoint")


@pytest.fixture(scope="session")
def sms(herald):
    return herald.client("pinpoint-sms-voice-v2")


@pytest.fixture
def app_id(pinpoint):
    """A new Pinpoint app for one test, deleted afterwards unless the test deleted it."""
    app = pinpoint.create_app(CreateApplicationRequest={"Name": f"test-{uuid.uuid4().hex[:8]}"})
    application_id = app["ApplicationResponse"]["Id"]
    yield application_id
    try:
        pinpoint.delete_app(ApplicationId=application_id)
    except pinpoint.exceptions.NotFoundException:
        pass


@pytest.fixture
def response_bodies(pinpoint):
    """The raw body of every Pinpoint response during the test, errors included.

    Raw, because botocore drops members its model does not know, and a leaked secret
    would hide in exactly such a member.
    """
    bodies: list[str] = []

    def record(http_response, **_):
        bodies.append(http_response.content.decode("utf-8", errors="replace"))

    pinpoint.meta.events.register("after-call.pinpoint", record)
    yield bodies
    pinpoint.meta.events.unregister("after-call.pinpoint", record)


# --------------------------------------------------------------------------------------------
# Secrets never shown
# --------------------------------------------------------------------------------------------


def _secret_fragments(secret: str) -> list[str]:
    """The whole secret and, for multi-line values (PEM), each substantial line of it.

    JSON escapes line breaks, so a leaked PEM appears in a response line by line.
    """
    fragments = [secret]
    fragments += [line.strip() for line in secret.splitlines() if len(line.strip()) >= 16 and "-----" not in line]
    return fragments


def _all_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [key, *_all_strings(item)]]
    if isinstance(value, list):
        return [s for item in value for s in _all_strings(item)]
    return []


def assert_secrets_never_shown(bodies: list[str], *secrets: str) -> None:
    """No response body carries key material or any of `secrets`, raw or JSON-decoded."""
    assert bodies, "no responses were recorded"
    for body in bodies:
        texts = [body]
        try:
            texts += _all_strings(json.loads(body))
        except ValueError:
            pass
        for text in texts:
            assert "PRIVATE KEY" not in text, f"a response shows key material: {body[:500]}"
            for secret in secrets:
                for fragment in _secret_fragments(secret):
                    assert fragment not in text, f"a response shows a secret: {body[:500]}"


# --------------------------------------------------------------------------------------------
# Push credentials, generated fresh for each use
# --------------------------------------------------------------------------------------------


def _pkcs8_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def apns_token_key_p8() -> str:
    """An APNs token signing key as Apple's .p8 file holds it: PEM PKCS#8, EC P-256."""
    return _pkcs8_pem(ec.generate_private_key(ec.SECP256R1()))


def rsa_private_key_pem() -> str:
    return _pkcs8_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def fcm_service_account_json(project_id: str = "herald-test", *, omit: tuple[str, ...] = ()) -> str:
    """A Firebase service-account key file (UpdateGcmChannel's ServiceJson), without the fields in `omit`."""
    document = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": uuid.uuid4().hex,
        "private_key": rsa_private_key_pem(),
        "client_email": f"herald-test@{project_id}.iam.gserviceaccount.com",
        "client_id": "100000000000000000000",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return json.dumps({name: value for name, value in document.items() if name not in omit})


@dataclass(frozen=True)
class ApnsCertificate:
    certificate_pem: str
    private_key_pem: str


def apns_certificate(bundle_id: str = "com.example.herald", *, expired: bool = False) -> ApnsCertificate:
    """A self-signed certificate shaped like Apple's "Apple Push Services" ones, with its key.

    Valid from yesterday for a year, or, when `expired`, for a month that ended yesterday.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.timezone.utc)
    if expired:
        not_before, not_after = now - datetime.timedelta(days=31), now - datetime.timedelta(days=1)
    else:
        not_before, not_after = now - datetime.timedelta(days=1), now + datetime.timedelta(days=365)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.USER_ID, bundle_id),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Apple Push Services: {bundle_id}"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "HERALDTEST"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return ApnsCertificate(certificate.public_bytes(serialization.Encoding.PEM).decode(), _pkcs8_pem(key))


# --------------------------------------------------------------------------------------------
# Herald wired to the fake push providers of `herald-fakes`
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def herald_fakes(tmp_path_factory) -> herald_fakes_process.Fakes:
    """The fake APNs, FCM, ADM and Baidu: the `herald-fakes` binary next to HERALD_BIN."""
    binary = _herald_binary().with_name("herald-fakes")
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.fail(f"{binary} is not an executable file; build it with `cargo build -p herald-testkit`", pytrace=False)
    try:
        fakes = herald_fakes_process.start(binary, tmp_path_factory.mktemp("herald-fakes"), _server_environment())
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    yield fakes
    try:
        status = herald_fakes_process.stop(fakes)
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    assert status == 0, (
        f"herald-fakes exited with status {status} after SIGTERM\n--- stderr ---\n"
        + fakes.stderr_path.read_text(errors="replace")
    )


@pytest.fixture(scope="session")
def herald_with_fakes(tmp_path_factory, herald_fakes) -> Herald:
    """A second Herald server, started like `herald` but with `--config` the fakes' herald.toml, so
    that its pushes reach the fakes."""
    data_dir = tmp_path_factory.mktemp("herald-with-fakes-data")
    yield from _run_herald(data_dir, ["--config", str(herald_fakes.herald_toml)])