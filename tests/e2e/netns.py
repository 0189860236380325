"""Separate hosts on one kernel, for the cluster test: a network namespace
per host, each joined by a veth pair to a bridge in a hub namespace of the
test's own, all on 10.77.0.0/24. The host's own namespace is never touched:
the test talks to the hosts from the hub (`Network.inside_hub`). A host may
also get a UTS namespace with a hostname of its own (`Network.command`), so
its processes tell another host apart as a real one would. Needs root and
iproute2; `close` deletes every namespace it made (and with them the veths)."""
import contextlib
import ctypes
import os
import subprocess

CLONE_NEWNET = 0x40000000
SUBNET = "10.77.0"


def _ip(*args):
    subprocess.run(["ip", *args], check=True, stdout=subprocess.DEVNULL)


class Network:
    def __init__(self):
        self.tag = f"je{os.getpid()}"
        self.hub = f"{self.tag}-hub"
        self.hosts = {}  # name -> (namespace, address)
        self.made = []
        try:
            self._add_ns(self.hub)
            _ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
            _ip("-n", self.hub, "addr", "add", f"{SUBNET}.254/24", "dev", "br0")
            _ip("-n", self.hub, "link", "set", "br0", "up")
        except Exception:
            self.close()
            raise

    def _add_ns(self, ns):
        _ip("netns", "add", ns)
        self.made.append(ns)
        _ip("-n", ns, "link", "set", "lo", "up")

    def add_host(self, name):
        """A namespace `name` on the bridge; returns its address."""
        ns = f"{self.tag}-{name}"
        addr = f"{SUBNET}.{len(self.hosts) + 1}"
        self._add_ns(ns)
        port = f"v{len(self.hosts) + 1}-{self.tag}"[:15]
        _ip("-n", self.hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        _ip("-n", self.hub, "link", "set", port, "master", "br0", "up")
        _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", "eth0")
        _ip("-n", ns, "link", "set", "eth0", "up")
        self.hosts[name] = (ns, addr)
        return addr

    def command(self, name, hostname=None):
        """The prefix that runs a command on host `name` (exec all the way
        down, so the pid a Popen sees is the command's own)."""
        # nsenter, not `ip netns exec`: that also remounts /sys in a mount
        # namespace of its own, which hides the cgroup hierarchies.
        ns = self.hosts[name][0]
        prefix = ["nsenter", f"--net=/run/netns/{ns}"]
        if hostname:
            prefix += ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', hostname]
        return prefix

    @contextlib.contextmanager
    def inside_hub(self):
        """Runs the calling thread (and what it starts) in the hub namespace."""
        libc = ctypes.CDLL(None, use_errno=True)
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        hub = os.open(f"/run/netns/{self.hub}", os.O_RDONLY)
        try:
            if libc.setns(hub, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns into the hub")
            try:
                yield
            finally:
                if libc.setns(home, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back home")
        finally:
            os.close(hub)
            os.close(home)

    def close(self):
        for ns in reversed(self.made):
            subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.made = []
