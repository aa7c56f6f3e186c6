import Foundation
import Testing
@testable import BailiffFilter
import BailiffConfig

/// The shipped service filters (config/filter.d) against lines written for these tests:
/// what each must catch, what it must leave alone, and addresses a client tries to plant
/// in the text it controls.
@Suite struct ServiceFiltersTests {
    static let configDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config").path
    static let now = 1_714_557_600.0  // 2024-05-01

    /// One loaded filter, with helpers that run a line and return the failure.
    struct Subject {
        let processor: FilterProcessor
        let journal: Bool

        func failure(_ line: String) -> Failure? {
            let result = journal ? processor.process(line: line, time: ServiceFiltersTests.now) : processor.process(line: line)
            return result.failures.first
        }

        func id(_ line: String) -> String? { failure(line)?.id }
    }

    /// `spec` as a jail would write it: `postfix[mode=auth]`.
    func filter(_ spec: String, journal: Bool = false) throws -> Subject {
        var reference = try NamedReference.parse(spec)
        if journal { reference = try NamedReference.parse(spec.hasSuffix("]") ? String(spec.dropLast()) + ", logtype=journal]" : spec + "[logtype=journal]") }
        let definition = try FilterLoader(tree: ConfigTree(directory: Self.configDirectory)).load(reference)
        let processor = try FilterProcessor(definition: definition, clock: { ServiceFiltersTests.now })
        return Subject(processor: processor, journal: journal)
    }

    // MARK: - recidive

    @Test func recidiveCountsBansOfOtherJails() throws {
        let file = try filter("recidive")
        #expect(file.id("2024-04-30 10:00:00,123 fail2ban.actions        [812]: NOTICE  [sshd] Ban 192.0.2.7") == "192.0.2.7")
        #expect(file.id("2024-04-30 10:00:00,123 fail2ban.actions        [812]: NOTICE  [sshd] Unban 192.0.2.7") == nil)

        let journal = try filter("recidive", journal: true)
        #expect(journal.id("mail bailiffd[812]: [postfix] Ban 198.51.100.4") == "198.51.100.4")
        #expect(journal.id("[nginx-http-auth] Ban 2001:db8::17") == "2001:db8::17")
        #expect(journal.id("mail bailiffd[812]: [sshd] Restore Ban 198.51.100.4") == nil)
        #expect(journal.id("mail bailiffd[812]: [sshd] Found 198.51.100.4") == nil)
    }

    @Test func recidiveSkipsItsOwnBans() throws {
        let plain = try filter("recidive", journal: true)
        #expect(plain.id("mail bailiffd[812]: [recidive] Ban 192.0.2.7") == nil)

        let renamed = try filter("recidive[_jailname=repeat-offenders]", journal: true)
        #expect(renamed.id("mail bailiffd[812]: [repeat-offenders] Ban 192.0.2.7") == nil)
        #expect(renamed.id("mail bailiffd[812]: [recidive] Ban 192.0.2.7") == "192.0.2.7")
    }

    @Test func recidiveReadsBailiffsJournalEntries() throws {
        let definition = try FilterLoader(tree: ConfigTree(directory: Self.configDirectory)).load(NamedReference(name: "recidive"))
        let terms = definition.journalmatch.flatMap { $0 }
        #expect(terms.contains("SYSLOG_IDENTIFIER=bailiffd"))
        #expect(terms.contains("_SYSTEMD_UNIT=bailiff.service"))
    }

    // MARK: - pam-generic

    @Test func pamGeneric() throws {
        let pam = try filter("pam-generic")
        let failure = pam.failure("May  1 09:00:00 host sshd[100]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=alice")
        #expect(failure?.id == "203.0.113.5")
        #expect(failure?.captures["user"] == "alice")
        #expect(pam.failure("May  1 09:00:01 host vsftpd[7]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=carol rhost=203.0.113.6")?.captures["user"] == "carol")
        // A remote user name carrying its own rhost= does not choose the address.
        #expect(pam.id("May  1 09:00:02 host xrdp[9]: pam_unix(xrdp:auth): authentication failure; logname= uid=0 euid=0 tty=x ruser=x rhost=198.51.100.99 rhost=203.0.113.7") == "203.0.113.7")
        // An ftp login name is both ruser= and user=; planted in both, it still cannot move the address.
        let twice = pam.failure("May  1 09:00:03 host vsftpd[7]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=a rhost=198.51.100.9 user=b rhost=203.0.113.8 user=a rhost=198.51.100.9 user=b")
        #expect(twice?.id == "203.0.113.8")
        #expect(twice?.captures["user"] == "a rhost=198.51.100.9 user=b")
        #expect(pam.id("May  1 09:00:04 host sshd[100]: pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)") == nil)

        let onlyFTP = try filter("pam-generic[_ttys_re=ftp]")
        #expect(onlyFTP.id("May  1 09:00:04 host sshd[100]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5") == nil)
        #expect(onlyFTP.id("May  1 09:00:05 host vsftpd[7]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser= rhost=203.0.113.5") == "203.0.113.5")
    }

    // MARK: - nginx

    static let nginxTail = #"server: example.org, request: "GET /private/ HTTP/1.1", host: "example.org""#

    @Test func nginxHTTPAuthModes() throws {
        let mismatch = #"2024/05/01 09:00:00 [error] 812#812: *3 user "alice": password mismatch, client: 203.0.113.10, "# + Self.nginxTail
        let handshake = #"2024/05/01 09:00:01 [crit] 812#812: *4 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking, client: 203.0.113.11, server: 0.0.0.0:443"#
        let upstream = #"2024/05/01 09:00:02 [error] 812#812: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.12, "# + Self.nginxTail

        let normal = try filter("nginx-http-auth")
        #expect(normal.failure(mismatch)?.id == "203.0.113.10")
        #expect(normal.failure(mismatch)?.captures["user"] == "alice")
        #expect(normal.id(handshake) == nil)

        let fallback = try filter("nginx-http-auth[mode=fallback]")
        #expect(fallback.id(handshake) == "203.0.113.11")
        #expect(fallback.id(mismatch) == nil)

        let aggressive = try filter("nginx-http-auth[mode=aggressive]")
        #expect(aggressive.id(mismatch) == "203.0.113.10")
        #expect(aggressive.id(handshake) == "203.0.113.11")
        #expect(aggressive.id(upstream) == nil)
    }

    @Test func nginxHTTPAuthUserNameCannotChooseTheAddress() throws {
        let normal = try filter("nginx-http-auth")
        let planted = #"2024/05/01 09:00:00 [error] 812#812: *3 user "x": password mismatch, client: 198.51.100.1, server: a, request: "GET / HTTP/1.1", host: "a"" was not found in "/etc/nginx/htpasswd", client: 203.0.113.13, "# + Self.nginxTail
        #expect(normal.id(planted) == "203.0.113.13")
    }

    @Test func nginxHTTPAuthFromTheJournal() throws {
        let journal = try filter("nginx-http-auth", journal: true)
        #expect(journal.id(#"web nginx[812]: 2024/05/01 09:00:00 [error] 812#812: *3 user "bob" was not found in "/etc/nginx/htpasswd", client: 2001:db8::20, "# + Self.nginxTail) == "2001:db8::20")
    }

    @Test func nginxLimitReq() throws {
        let limited = #"2024/05/01 09:00:00 [error] 812#812: *9 limiting requests, excess: 5.100 by zone "login", client: 203.0.113.14, "# + Self.nginxTail
        let any = try filter("nginx-limit-req")
        #expect(any.id(limited) == "203.0.113.14")
        #expect(any.id(#"2024/05/01 09:00:01 [error] 812#812: *10 limiting connections by zone "perip", client: 203.0.113.15, "# + Self.nginxTail) == "203.0.113.15")
        #expect(any.id(#"2024/05/01 09:00:02 [error] 812#812: *11 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 203.0.113.16, "# + Self.nginxTail) == nil)

        let onlyAPI = try filter(#"nginx-limit-req[ngx_limit_req_zones="api|search"]"#)
        #expect(onlyAPI.id(limited) == nil)
        #expect(onlyAPI.id(limited.replacingOccurrences(of: #"zone "login""#, with: #"zone "api""#)) == "203.0.113.14")
    }

    @Test func nginxBotsearch() throws {
        let bots = try filter("nginx-botsearch")
        #expect(bots.id(#"203.0.113.17 - - [01/May/2024:09:00:00 +0200] "GET /phpmyadmin/index.php HTTP/1.1" 404 153 "-" "Mozilla/5.0""#) == "203.0.113.17")
        #expect(bots.id(#"203.0.113.17 - - [01/May/2024:09:00:01 +0200] "POST //old/PMA/scripts/setup.php HTTP/1.1" 404 153 "-" "-""#) == "203.0.113.17")
        // Found pages, and names that only start like a probed one, are not probes.
        #expect(bots.id(#"203.0.113.17 - - [01/May/2024:09:00:02 +0200] "GET /phpmyadmin/index.php HTTP/1.1" 200 3120 "-" "Mozilla/5.0""#) == nil)
        #expect(bots.id(#"203.0.113.17 - - [01/May/2024:09:00:03 +0200] "GET /blog/pmarketing.html HTTP/1.1" 404 153 "-" "Mozilla/5.0""#) == nil)
        #expect(bots.id(#"2024/05/01 09:00:04 [error] 812#812: *20 open() "/srv/www/webmail/index.php" failed (2: No such file or directory), client: 203.0.113.18, server: example.org, request: "GET /webmail/index.php HTTP/1.1", host: "example.org""#) == "203.0.113.18")
        #expect(bots.id(#"2024/05/01 09:00:05 [error] 812#812: *21 open() "/srv/www/favicon.ico" failed (2: No such file or directory), client: 203.0.113.18, server: example.org, request: "GET /favicon.ico HTTP/1.1", host: "example.org""#) == nil)
    }

    // MARK: - apache-auth

    @Test func apacheAuth() throws {
        let apache = try filter("apache-auth")
        let basic = apache.failure(#"[Wed May 01 09:00:00.123456 2024] [auth_basic:error] [pid 1200:tid 1400] [client 203.0.113.20:51380] AH01617: user bob: authentication failure for "/private": Password Mismatch"#)
        #expect(basic?.id == "203.0.113.20")
        #expect(basic?.captures["user"] == "bob")
        #expect(apache.id("[Wed May 01 09:00:01.5 2024] [auth_digest:error] [pid 1200] [client [2001:db8::21]:51381] AH01790: user `bob' in realm `private' not found: /private") == "2001:db8::21")
        #expect(apache.id("May  1 09:00:02 www httpd[1200]: [authz_core:error] [pid 1200] [client 203.0.113.22:51382] AH01630: client denied by server configuration: /srv/www/admin") == "203.0.113.22")
        // A request path that writes its own "[client ...]" must not be read as a failure.
        #expect(apache.id("[Wed May 01 09:00:03 2024] [error] [client 192.0.2.50] File does not exist: /srv/www/[client 198.51.100.1] user root not found") == nil)
        #expect(apache.id("[Wed May 01 09:00:04.1 2024] [core:error] [pid 1200] [client 203.0.113.23:51383] AH00126: Invalid URI in request GET /%%% HTTP/1.1") == nil)
    }

    @Test func apacheAuthEvasiveOnlyWhenAggressive() throws {
        let line = "[Wed May 01 09:00:05.2 2024] [evasive20:error] [pid 1200] [client 203.0.113.24:51384] client denied by server configuration: /index.php"
        #expect(try filter("apache-auth").id(line) == nil)
        #expect(try filter("apache-auth[mode=aggressive]").id(line) == "203.0.113.24")
    }

    // MARK: - postfix

    static let postfixPrefix = "May  1 09:00:00 mx postfix/smtpd[4100]: "

    @Test func postfixNormal() throws {
        let postfix = try filter("postfix")
        #expect(postfix.id(Self.postfixPrefix + "NOQUEUE: reject: RCPT from unknown[203.0.113.30]: 554 5.7.1 <a@example.net>: Relay access denied; from=<x@example.com> to=<a@example.net> proto=ESMTP helo=<x>") == "203.0.113.30")
        #expect(postfix.id(Self.postfixPrefix + "too many errors after DATA from unknown[203.0.113.31]") == "203.0.113.31")
        // Greylisting asks honest servers to come back later.
        #expect(postfix.id(Self.postfixPrefix + "NOQUEUE: reject: RCPT from mail.example.com[203.0.113.32]: 450 4.2.0 <a@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/; from=<b@example.com> to=<a@example.org> proto=ESMTP helo=<mail.example.com>") == nil)
        #expect(postfix.id(Self.postfixPrefix + "warning: unknown[203.0.113.33]: SASL LOGIN authentication failed: UGFzc3dvcmQ6") == nil)
    }

    @Test func postfixAuthModes() throws {
        let failed = Self.postfixPrefix + "warning: unknown[203.0.113.33]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
        let lostAuthServer = Self.postfixPrefix + "warning: unknown[203.0.113.34]: SASL PLAIN authentication failed: Connection lost to authentication server"
        for mode in ["auth", "more", "aggressive"] {
            let postfix = try filter("postfix[mode=\(mode)]")
            #expect(postfix.id(failed) == "203.0.113.33", "mode \(mode)")
            #expect(postfix.id(lostAuthServer) == nil, "mode \(mode)")
        }
        let withUser = try filter("postfix[mode=aggressive]").failure(Self.postfixPrefix + "warning: unknown[203.0.113.35]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=mallory")
        #expect(withUser?.id == "203.0.113.35")
        #expect(withUser?.captures["user"] == "mallory")
    }

    @Test func postfixDDoS() throws {
        let ddos = try filter("postfix[mode=ddos]")
        #expect(ddos.id(Self.postfixPrefix + "disconnect from unknown[203.0.113.36] ehlo=1 auth=0/1 quit=1 commands=2/3") == "203.0.113.36")
        #expect(ddos.id(Self.postfixPrefix + "disconnect from mail.example.com[203.0.113.37] ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6") == nil)
        #expect(ddos.id(Self.postfixPrefix + "lost connection after CONNECT from unknown[203.0.113.38]") == "203.0.113.38")
        #expect(ddos.id(Self.postfixPrefix + "lost connection after DATA from mail.example.com[203.0.113.39]") == nil)
        #expect(ddos.id("May  1 09:00:00 mx postfix/postscreen[4101]: PREGREET 11 after 0.1 from [203.0.113.40]:51500: EHLO x\\r\\n") == "203.0.113.40")
        #expect(try filter("postfix[mode=errors]").id(Self.postfixPrefix + "lost connection after CONNECT from unknown[203.0.113.38]") == nil)
    }

    // MARK: - dovecot

    @Test func dovecotLoginProcesses() throws {
        let dovecot = try filter("dovecot")
        let failure = dovecot.failure("May  1 09:00:00 mail dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=203.0.113.50, lip=192.0.2.1, TLS, session=<abc>")
        #expect(failure?.id == "203.0.113.50")
        #expect(failure?.captures["user"] == "bob")
        // A user name holding "rip=..." does not choose the address.
        #expect(dovecot.id("May  1 09:00:01 mail dovecot: pop3-login: Aborted login (auth failed, 1 attempts in 3 secs): user=<x>, method=PLAIN, rip=198.51.100.66, lip=1.1.1.1>, method=PLAIN, rip=203.0.113.51, lip=192.0.2.1, session=<abd>") == "203.0.113.51")

        let quiet = "May  1 09:00:02 mail dovecot: imap-login: Disconnected (no auth attempts in 0 secs): user=<>, rip=203.0.113.52, lip=192.0.2.1, TLS handshaking: SSL_accept() failed: Connection reset by peer"
        #expect(dovecot.id(quiet) == nil)
        #expect(try filter("dovecot[mode=aggressive]").id(quiet) == "203.0.113.52")
        #expect(dovecot.id("May  1 09:00:03 mail dovecot: imap-login: Login: user=<bob>, method=PLAIN, rip=203.0.113.53, lip=192.0.2.1, mpid=4242, TLS, session=<abe>") == nil)
    }

    @Test func dovecotAuthProcesses() throws {
        let dovecot = try filter("dovecot")
        #expect(dovecot.id("May  1 09:00:00 mail dovecot: auth-worker(12): pam(bob,203.0.113.54,<sess>): pam_authenticate() failed: Authentication failure (password mismatch?)") == "203.0.113.54")
        #expect(dovecot.id("May  1 09:00:01 mail dovecot: auth: passwd-file(alice,2001:db8::55): unknown user") == "2001:db8::55")
        // A user name that closes the parenthesis and repeats the message is read whole.
        #expect(dovecot.id("May  1 09:00:02 mail dovecot: auth: passwd-file(x,198.51.100.1): unknown user,203.0.113.56): unknown user") == "203.0.113.56")
        // Dovecot 2.4: the logged password may hold anything, parentheses too.
        #expect(dovecot.id("May  1 09:00:03 auth(bob,203.0.113.57,sasl:plain)<Xy1+z>: Info: passwd-file: Password mismatch (given password: a) b)") == "203.0.113.57")
        #expect(dovecot.id("May  1 09:00:04 mail dovecot: imap(bob)<4242><abe>: Logged out in=120 out=1400") == nil)
    }

    @Test func dovecotFromTheJournal() throws {
        let journal = try filter("dovecot", journal: true)
        #expect(journal.id("mail dovecot[900]: submission-login: Remote closed connection (auth failed, 1 attempts in 2 secs): user=<carol>, method=LOGIN, rip=203.0.113.58, lip=192.0.2.1") == "203.0.113.58")
    }
}
