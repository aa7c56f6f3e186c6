# bailiff: the user interface is these targets.
SWIFT   ?= swift
CORPUS  ?= ../shared/fail2ban-corpus
CONFIG  ?= config
# Filters bailiff ships, each checked against the corpus log of the same name.
OWN_FILTERS = sshd recidive pam-generic nginx-http-auth nginx-limit-req nginx-botsearch \
              apache-auth postfix dovecot selinux-ssh dropbear

.PHONY: all deps build run test conformance bench clean

all: build

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build -c release --product bailiff

# Until the daemon exists: run the shipped sshd filter over a sample log.
run: build
	.build/release/bailiff test-filter --config $(CONFIG) scripts/demo/sshd.log 'sshd[mode=aggressive]' --print-matched

conformance: deps
	$(SWIFT) build --product bailiff-conformance
	.build/debug/bailiff-conformance --corpus $(CORPUS) --exact sshd --exact sshd-journal
	.build/debug/bailiff-conformance --corpus $(CORPUS) --filters $(CONFIG) --minimum 100 --minimum-time 100 \
		$(foreach f,$(OWN_FILTERS),--exact $(f))

# The tests also read real journals: journald, journalctl and systemd-journal-remote.
test: deps
	@scripts/install-deps systemd systemd-journal-remote python3 sqlite3 iproute2 iptables ipset nftables
	$(MAKE) conformance
	# One test process holds every suite; run them one after another, so suites that wait
	# on journald, namespaces or daemons never starve the asynchronous ones of threads.
	$(SWIFT) test --no-parallel

bench: deps
	scripts/bench
	scripts/bench-journal --skip-build

clean:
	rm -rf .build
