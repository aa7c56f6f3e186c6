/// `io.bailiff`, the daemon's control interface: status, bans and reload. Its types below
/// are shared by the daemon's handler and the command-line client.
public enum BailiffInterface {
    public static let name = "io.bailiff"

    /// The control socket's usual path.
    public static let defaultSocketPath = "/run/bailiff/io.bailiff"

    /// The interface for `VarlinkServer`, with the definition `GetInterfaceDescription` serves.
    public static let interface = VarlinkInterface(name: name, description: """
        # Control of the bailiff intrusion-prevention daemon: its status, its bans,
        # and reloading its configuration.
        interface io.bailiff

        # How the daemon reads the journal.
        type JournalStatus (
          # The journal read: "system", a directory, or files.
          source: string,
          # The cursor of the last entry fully acted on; null before the first.
          cursor: ?string,
          # Entries read since the daemon started.
          entriesRead: int,
          # Entries read per second, over the last minute.
          entriesPerSecond: float
        )

        # One jail: its settings and its counters.
        type JailStatus (
          name: string,
          enabled: bool,
          # The filter, with its arguments as configured.
          filter: string,
          # Failures counted since the daemon started.
          failuresCounted: int,
          # Addresses with failures inside the find window now.
          currentlyFailing: int,
          # Addresses banned now.
          activeBans: int,
          # Bans made since the daemon started.
          totalBans: int,
          # Seconds in which maxRetry failures lead to a ban.
          findTime: float,
          maxRetry: int,
          # Seconds a first ban lasts; null when bans are permanent.
          banTime: ?float,
          # The jail's actions, as configured.
          actions: []string
        )

        # The daemon as a whole.
        type Status (
          version: string,
          # Seconds since the daemon started.
          uptime: float,
          journal: JournalStatus,
          # Every configured jail, or only the one asked for.
          jails: []JailStatus
        )

        # One address banned now.
        type ActiveBan (
          jail: string,
          # An address, or a network in CIDR notation.
          address: string,
          # When the ban began, in seconds since the epoch.
          bannedAt: float,
          # When the ban ends, in seconds since the epoch; null for a permanent ban.
          expiresAt: ?float,
          # Seconds until the ban ends; null for a permanent ban.
          secondsLeft: ?float,
          # Bans of this address in this jail so far, this one included.
          banCount: int,
          # Failures that led to this ban.
          failures: int
        )

        # Answers while the daemon's event loop runs.
        method Ping() -> ()

        # The daemon's status; with a jail, only that jail is listed.
        method GetStatus(jail: ?string) -> (status: Status)

        # The bans in force, in every jail or in one.
        method ListBans(jail: ?string) -> (bans: []ActiveBan)

        # Bans addresses in a jail by hand. Returns the addresses newly banned;
        # those banned already are left out.
        method Ban(jail: string, addresses: []string) -> (banned: []string)

        # Lifts the bans of the given addresses, in one jail or in all, or every
        # ban with all set to true. Returns the addresses unbanned.
        method Unban(jail: ?string, addresses: ?[]string, all: ?bool) -> (unbanned: []string)

        # Reads the configuration again and applies it whole. A configuration with
        # errors is not applied: the running one stays and ReloadFailed says why.
        # Returns the jails running afterwards.
        method Reload() -> (jails: []string)

        # No jail of that name is configured.
        error NoSuchJail (jail: string)

        # Not an IPv4 or IPv6 address or network.
        error InvalidAddress (address: string)

        # The new configuration has errors; the running one stays.
        error ReloadFailed (reason: string)

        """)
}
