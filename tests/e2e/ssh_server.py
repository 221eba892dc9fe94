"""A tiny SSH server on 127.0.0.1 for the end-to-end tests: it lets one key run one command, `docker system
dial-stdio` (what an ssh:// Docker host runs on the far side), against this machine's engine.

Made with paramiko (which docker-py's ssh:// support needs anyway), so no sshd is installed or started, and
nothing listens beyond 127.0.0.1. The client side is the system's own `ssh`, as in real use; `client_dir`
holds an `ssh` wrapper that points it at this server's key and a throwaway known_hosts file.
"""

from __future__ import annotations

import shlex
import socket
import subprocess
import threading
from pathlib import Path

import paramiko

ALLOWED = ["docker", "system", "dial-stdio"]


class _Session(paramiko.ServerInterface):
    def __init__(self, key: paramiko.PKey) -> None:
        self.key, self.ready = key, threading.Event()

    def check_auth_publickey(self, username, key):
        return paramiko.AUTH_SUCCESSFUL if key == self.key else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username):
        return "publickey"

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel, command):
        if shlex.split(command.decode(errors="replace")) != ALLOWED:
            return False
        self.ready.set()
        return True


def _pump(read, write, done) -> None:
    try:
        while data := read(65536):
            write(data)
    except OSError:
        pass
    finally:
        done()


class SshServer:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        self.host_key = paramiko.Ed25519Key.from_private_key_file(self._keygen("host"))
        user_key_file = self._keygen("user")
        self.user_key = paramiko.Ed25519Key.from_private_key_file(user_key_file)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.client_dir = root / "bin"
        self.client_dir.mkdir()
        wrapper = self.client_dir / "ssh"
        wrapper.write_text(
            "#!/bin/sh\n"
            f"exec /usr/bin/ssh -F /dev/null -i {user_key_file} -o IdentitiesOnly=yes -o BatchMode=yes "
            f"-o UserKnownHostsFile={root}/known_hosts -o StrictHostKeyChecking=accept-new \"$@\"\n")
        wrapper.chmod(0o755)
        threading.Thread(target=self._serve, daemon=True).start()

    def _keygen(self, name: str) -> Path:
        path = self.root / f"{name}_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
        return path

    def url(self, user: str = "builder") -> str:
        return f"ssh://{user}@127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection: socket.socket) -> None:
        transport = paramiko.Transport(connection)
        transport.add_server_key(self.host_key)
        session = _Session(self.user_key)
        try:
            transport.start_server(server=session)
            channel = transport.accept(30)
            if channel is None or not session.ready.wait(30):
                return
            process = subprocess.Popen(ALLOWED, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, env=self.env)
            assert process.stdin is not None and process.stdout is not None
            stdin, stdout = process.stdin, process.stdout
            threading.Thread(target=_pump, args=(channel.recv, self._writer(stdin), stdin.close),
                             daemon=True).start()
            _pump(stdout.read1, channel.sendall, lambda: None)
            channel.send_exit_status(process.wait())
            channel.close()
        except (paramiko.SSHException, OSError, EOFError):
            pass
        finally:
            transport.close()

    @staticmethod
    def _writer(stdin):
        def write(data: bytes) -> None:
            stdin.write(data)
            stdin.flush()
        return write

    def close(self) -> None:
        self.listener.close()
