// systemd service protocol: notify, watchdog, socket activation.
