"""PostgreSQL from the machine's server binaries (``initdb``/``pg_ctl``) in the stack's directory."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from cli.stack.processes import ensure_port_free, log_tail, port_answers, wait_for
from interlog.exceptions import StackError
from interlog.settings import Settings

READY_TIMEOUT_S = 60.0
SUPERUSER = "interlog"
DATABASE = "interlog"


def find_bin_dir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.insert(0, str(Path(os.path.realpath(on_path)).parent))
    for directory in candidates:
        if all((Path(directory) / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(directory)
    raise StackError(
        "the PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or under "
        "/usr/lib/postgresql/*/bin: install them (Debian: apt-get install postgresql) or run "
        "`make setup`; or point INTERLOG_DATABASE_URL at an existing server"
    )


def _version_key(path: str) -> float:
    try:
        return float(Path(path).parent.name)
    except ValueError:
        return 0.0


def _run_as() -> str | None:
    """PostgreSQL refuses to run as root: as root, use the distribution's ``postgres`` user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise StackError(
            "running as root, and there is no `postgres` user to run PostgreSQL as; "
            "install the distribution's postgresql package (it creates the user) or run as a normal user"
        ) from None
    return "postgres"


class PostgresServer:
    """The stack's PostgreSQL: ``start`` is idempotent, ``stop`` is a fast shutdown."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._dir = settings.stack_dir / "postgres"
        self.data_dir = self._dir / "data"
        self.log_file = self._dir / "postgres.log"

    @property
    def pid(self) -> int | None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def running(self) -> bool:
        return self.pid is not None and port_answers(self._settings.ports.postgres)

    def _pg(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(find_bin_dir() / tool), *args]
        done = subprocess.run(  # noqa: S603
            cmd, capture_output=True, text=True, check=False, user=_run_as(), cwd="/"
        )
        if check and done.returncode != 0:
            raise StackError(
                f"`{' '.join(cmd)}` exited {done.returncode}:\n{(done.stdout + done.stderr)[-1500:]}"
                f"{log_tail(self.log_file)}"
            )
        return done

    def start(self) -> None:
        if self.running():
            return
        port = self._settings.ports.postgres
        if self.pid is None:
            ensure_port_free(port, "PostgreSQL", "INTERLOG_STACK_POSTGRES_PORT")
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            self._pg(
                "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions",
            )
            with open(self.data_dir / "postgresql.conf", "a") as conf:
                conf.write(
                    "\n# interlog local stack\n"
                    "listen_addresses = '127.0.0.1'\n"
                    "unix_socket_directories = ''\n"
                    "shared_buffers = 256MB\n"
                    "max_connections = 200\n"
                    "max_wal_size = 4GB\n"
                    "timezone = 'UTC'\n"
                    "log_timezone = 'UTC'\n"
                )
        if self.pid is None:
            self._pg(
                "pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
                "-o", f"-p {port}", "-w", "-t", str(int(READY_TIMEOUT_S)),
            )
        wait_for(
            lambda: port_answers(port), f"PostgreSQL answering on port {port}", READY_TIMEOUT_S,
            on_timeout=lambda: log_tail(self.log_file),
        )
        self._ensure_database()

    def _prepare_dirs(self) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        user = _run_as()
        if user is None:
            return
        entry = pwd.getpwnam(user)
        # The server's user must be able to reach its data directory through every parent.
        for parent in [self._dir, *self._dir.parents]:
            mode = parent.stat().st_mode
            if mode & 0o001 == 0:
                try:
                    os.chmod(parent, mode | 0o011)  # noqa: S103 - traverse only, no read
                except OSError:
                    raise StackError(
                        f"PostgreSQL runs as `{user}` here and cannot reach {parent}; "
                        "choose another INTERLOG_STACK_DIR"
                    ) from None
        for path in (self._dir, self.data_dir):
            path.mkdir(mode=0o700, exist_ok=True)
            os.chown(path, entry.pw_uid, entry.pw_gid)
        if self.log_file.exists():
            os.chown(self.log_file, entry.pw_uid, entry.pw_gid)

    def _ensure_database(self) -> None:
        import psycopg

        admin_url = self.url(database="postgres")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self._settings.ports.postgres}/{database}"

    def stop(self, mode: str = "fast") -> None:
        if self.pid is None:
            return
        self._pg("pg_ctl", "stop", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", check=False)

    def restart(self) -> None:
        """Fast restart (fault tests): every client connection is cut."""
        self.stop()
        self.start()
