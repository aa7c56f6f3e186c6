// The systemd journal reader and the cursor file.
