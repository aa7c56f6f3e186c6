# bailiff: the user interface is these targets.
SWIFT   ?= swift
CORPUS  ?= ../shared/fail2ban-corpus
CONFIG  ?= config
# Filters bailiff ships, each checked against the corpus log of the same name.
OWN_FILTERS = sshd recidive pam-generic nginx-http-auth nginx-limit-req nginx-botsearch \
              apache-auth postfix dovecot selinux-ssh dropbear

.PHONY: all deps build run demo test conformance bench deb deb-lint deb-test e2e clean

all: build

deps:
	@scripts/install-deps

# bailiffd's options for make run: a dry run decides, audits and answers `bailiff status`,
# but changes no firewall. RUN_ARGS= (empty) bans for real.
RUN_ARGS ?= --dry-run

build: deps
	$(SWIFT) build -c release --product bailiff
	$(SWIFT) build -c release --product bailiffd

# bailiffd in the foreground over this machine's journal, state under .run/.
run: build
	scripts/run-daemon $(RUN_ARGS)

# Watch bailiffd ban an attacker: private journald, two network namespaces, all removed after.
demo: build
	@scripts/install-deps systemd iproute2 nftables python3
	scripts/demo/run

conformance: deps
	$(SWIFT) build --product bailiff-conformance
	.build/debug/bailiff-conformance --corpus $(CORPUS) --exact sshd --exact sshd-journal
	.build/debug/bailiff-conformance --corpus $(CORPUS) --filters $(CONFIG) --minimum 100 --minimum-time 100 \
		$(foreach f,$(OWN_FILTERS),--exact $(f))

# The tests also read real journals: journald, journalctl and systemd-journal-remote.
test: deps
	@scripts/install-deps systemd systemd-journal-remote python3 sqlite3 iproute2 iptables ipset nftables netcat-openbsd
	$(MAKE) conformance
	# One test process holds every suite; run them one after another, so suites that wait
	# on journald, namespaces or daemons never starve the asynchronous ones of threads.
	$(SWIFT) test --no-parallel

bench: deps
	scripts/bench
	scripts/bench-journal --skip-build
	$(SWIFT) build -c release --product bailiffd
	scripts/bench-bans --skip-build

# The Debian package bailiff_<version>_<arch>.deb in this directory: static Swift runtime,
# built in .build-deb/. Runs lintian on it when lintian is installed.
deb: deps
	@scripts/install-deps dpkg-dev binutils
	packaging/build-deb

# The same, with lintian installed and its errors fatal.
deb-lint: deps
	@scripts/install-deps dpkg-dev binutils lintian
	packaging/build-deb --lint

# Installs the package in a throwaway Debian 12 root (root; debootstrap, the base root cached in
# /var/cache/bailiff-e2e), runs it there, removes and purges it.
deb-test: deb
	@scripts/install-deps debootstrap
	packaging/test-deb

# Boots a Debian 12 container with systemd, sshd and the package, and attacks it (root;
# see packaging/e2e). Prints PASS or FAIL per step.
e2e: deb
	@scripts/install-deps debootstrap systemd-container openssh-client iproute2 python3
	packaging/e2e

clean:
	rm -rf .build
