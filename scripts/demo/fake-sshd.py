# A stand-in for sshd in the demo: answers every TCP connection on port 22 with an SSH
# banner, closes it, and logs a failed login for the peer to the journal, the way sshd
# logs one. Started through a link named "sshd", so journald records _COMM=sshd and the
# shipped sshd filter's journalmatch selects its entries.
import os
import socket

journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
journal.connect("/run/systemd/journal/socket")


def log(message):
    fields = {"MESSAGE": message, "SYSLOG_IDENTIFIER": "sshd", "SYSLOG_PID": str(os.getpid()),
              "SYSLOG_FACILITY": "10", "PRIORITY": "6"}
    journal.send("".join(f"{key}={value}\n" for key, value in fields.items()).encode())


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("0.0.0.0", 22))
listener.listen(16)
while True:
    connection, (host, port) = listener.accept()
    connection.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    connection.close()
    log(f"Failed password for invalid user admin from {host} port {port} ssh2")
