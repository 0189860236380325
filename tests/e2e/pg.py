"""A PostgreSQL 15 server of the test's own (Debian's postgresql-15): initdb
in a temporary folder, run as nobody when the test is root (PostgreSQL
refuses root), on a unix socket in that folder, and on a TCP address when
given one (run in a network namespace by `host`, a command prefix from
netns.Network.command; nodes then connect over the wire). Stopped by its own
pg_ctl, its folder removed, when the test ends. The same as the C++ tests'
tests/support/pg_server: a database per test, owned by an ordinary role."""
import os
import pwd
import shutil
import subprocess
import tempfile

BIN = "/usr/lib/postgresql/15/bin"


def available():
    return os.access(os.path.join(BIN, "initdb"), os.X_OK)


class PgServer:
    def __init__(self, address=None, host=()):
        self.address = address
        self.host = list(host)
        self.dir = tempfile.mkdtemp(prefix="judge-pg-e2e-")
        self.port = 5432  # names the socket file only, in our own folder
        self.as_user = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self.running = False
        self.databases = 0
        subprocess.run(self.as_user + [f"{BIN}/initdb", "-D", f"{self.dir}/data", "-U", "postgres",
                                       "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if address:
            with open(f"{self.dir}/data/pg_hba.conf", "a") as f:
                f.write(f"host all all {address.rsplit('.', 1)[0]}.0/24 trust\n")
        self.start()
        self.psql("postgres", "CREATE ROLE judge LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")

    def start(self):
        subprocess.run(self.host + self.as_user + [
                           f"{BIN}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/server.log", "-w", "-t", "60",
                           "-o", f"-k {self.dir} -c listen_addresses='{self.address or ''}' -p {self.port}", "start"],
                       check=True, stdout=subprocess.DEVNULL)
        self.running = True

    def stop(self, mode="immediate"):
        if not self.running:
            return
        subprocess.run(self.as_user + [f"{BIN}/pg_ctl", "-D", f"{self.dir}/data", "-m", mode, "-w", "-t", "60",
                                       "stop"], check=True, stdout=subprocess.DEVNULL)
        self.running = False

    def psql(self, db, sql):
        out = subprocess.run(["psql", "-X", "-q", "-At", "-h", self.dir, "-p", str(self.port), "-U", "postgres",
                              "-d", db, "-v", "ON_ERROR_STOP=1", "-c", sql],
                             check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def fresh_database(self):
        """A new database owned by judge; returns its libpq URL for JUDGED_STORE."""
        self.databases += 1
        db = f"e2e{self.databases}"
        self.psql("postgres", f"CREATE DATABASE {db} OWNER judge")
        self.psql(db, "ALTER SCHEMA public OWNER TO judge")
        self.db = db
        if self.address:
            return f"postgresql://judge@{self.address}:{self.port}/{db}"
        return f"postgresql://judge@/{db}?host={self.dir}&port={self.port}"

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
