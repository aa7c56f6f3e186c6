import Glibc

extension JournalEntry {
    /// The longest line `formatLine(into:)` produces; longer lines are cut at this many bytes.
    /// A hostile or broken program can log megabytes in one MESSAGE; no filter needs them.
    public static let maximumLineLength = 64 * 1024
    /// No field is kept longer than a line can be.
    static let maximumFieldLength = maximumLineLength

    /// Writes into `line` (replacing its contents, reusing its storage) the line fail2ban's
    /// systemd backend gives its filters for this entry (`FilterSystemd.formatJournalEntry`):
    ///
    ///     HOSTNAME IDENT[PID]: MESSAGE
    ///
    /// IDENT is `SYSLOG_IDENTIFIER`, else `_COMM`; PID is `SYSLOG_PID`, else `_PID`, printed
    /// as a number when Python's `int(v, 0)` reads one, else as it is. Parts the entry lacks
    /// are left out; the values of a repeated MESSAGE are joined with spaces. A `kernel:`
    /// identifier without PID is followed by the monotonic time as `[%12.6f]`. Newlines
    /// anywhere in the line become the two characters `\n`. Bytes are copied as they are
    /// (the filter decodes invalid UTF-8 the way fail2ban does).
    public func formatLine(into line: inout [UInt8]) {
        line.removeAll(keepingCapacity: true)
        var writer = LineWriter(limit: Self.maximumLineLength)
        storage.withUnsafeBytes { bytes in
            func field(_ index: Int) -> UnsafeRawBufferPointer? {
                let span = spans[index]
                guard span.count >= 0 else { return nil }
                return UnsafeRawBufferPointer(rebasing: bytes[Int(span.start)..<Int(span.start + span.count)])
            }
            var needsSpace = false
            if let host = field(JournalFieldLayout.hostname), !host.isEmpty {
                writer.append(host, to: &line)
                needsSpace = true
            }
            var identifier = field(JournalFieldLayout.syslogIdentifier)
            if identifier?.isEmpty ?? true { identifier = field(JournalFieldLayout.command) }
            if let identifier, !identifier.isEmpty {
                if needsSpace { writer.append(byte: UInt8(ascii: " "), to: &line) }
                writer.append(identifier, to: &line)
                let pid = Self.processID(field(JournalFieldLayout.syslogPID)) ?? Self.processID(field(JournalFieldLayout.pid))
                if let pid {
                    writer.append(byte: UInt8(ascii: "["), to: &line)
                    switch pid {
                    case .number(let number):
                        number.withDecimal { writer.append($0, to: &line) }
                    case .text(let text):
                        writer.append(text, to: &line)
                    }
                    writer.append(byte: UInt8(ascii: "]"), to: &line)
                }
                writer.append(byte: UInt8(ascii: ":"), to: &line)
                if pid == nil, Self.isKernel(identifier) {
                    writer.append(byte: UInt8(ascii: " "), to: &line)
                    var stamp: [UInt8] = []
                    Self.appendMonotonic(sourceMonotonic(field(JournalFieldLayout.sourceMonotonic)), to: &stamp)
                    stamp.withUnsafeBytes { writer.append($0, to: &line) }
                }
                needsSpace = true
            }
            if needsSpace { writer.append(byte: UInt8(ascii: " "), to: &line) }
            if let message = field(JournalFieldLayout.message) { writer.append(message, to: &line) }
            // python-systemd turns a repeated field into a list; fail2ban joins MESSAGE's with spaces.
            for repeated in repeats where repeated.field == JournalFieldLayout.message {
                writer.append(byte: UInt8(ascii: " "), to: &line)
                writer.append(UnsafeRawBufferPointer(rebasing: bytes[Int(repeated.span.start)..<Int(repeated.span.start + repeated.span.count)]), to: &line)
            }
        }
    }

    /// A PID as fail2ban prints it.
    enum ProcessID {
        case number(PythonInteger)
        case text(UnsafeRawBufferPointer)
    }

    /// python-systemd converts the field with `int(v)`; a result of 0, like an empty value,
    /// counts as absent (fail2ban tests `if not v`). A value `int()` rejects is printed as a
    /// number if `int(v, 0)` reads it (`0x1f`), else as it is.
    static func processID(_ value: UnsafeRawBufferPointer?) -> ProcessID? {
        guard let value, !value.isEmpty else { return nil }
        // Plain digits without a leading zero print as they are: the common case, no parsing.
        if value.count <= 18, value.first != UInt8(ascii: "0"), value.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) {
            return .text(value)
        }
        if let number = PythonInteger.parse(value, base: .decimal) {
            return number.isZero ? nil : .number(number)
        }
        if let number = PythonInteger.parse(value, base: .automatic) { return .number(number) }
        return .text(value)
    }

    static func isKernel(_ identifier: UnsafeRawBufferPointer) -> Bool {
        identifier.elementsEqual("kernel".utf8)
    }

    /// `_SOURCE_MONOTONIC_TIMESTAMP` when it is a number, else the entry's own monotonic time.
    func sourceMonotonic(_ value: UnsafeRawBufferPointer?) -> Int64 {
        if let value, case .small(let microseconds) = PythonInteger.parse(value, base: .decimal) {
            return microseconds
        }
        return Int64(clamping: monotonicMicroseconds)
    }

    /// `"[%12.6f]" % seconds`, computed from integer microseconds so no rounding creeps in.
    static func appendMonotonic(_ microseconds: Int64, to buffer: inout [UInt8]) {
        var number: [UInt8] = []
        if microseconds < 0 { number.append(UInt8(ascii: "-")) }
        let magnitude = microseconds.magnitude
        appendDecimal(Int64(magnitude / 1_000_000), to: &number)
        number.append(UInt8(ascii: "."))
        let fraction = magnitude % 1_000_000
        var divisor: UInt64 = 100_000
        while divisor > 0 {
            number.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
            divisor /= 10
        }
        buffer.append(UInt8(ascii: "["))
        if number.count < 12 { buffer.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 12 - number.count)) }
        buffer.append(contentsOf: number)
        buffer.append(UInt8(ascii: "]"))
    }
}

/// Appends to a line up to a byte limit, writing each newline as `\n`.
struct LineWriter {
    private var remaining: Int

    init(limit: Int) { remaining = limit }

    mutating func append(byte: UInt8, to line: inout [UInt8]) {
        guard remaining > 0 else { return }
        line.append(byte)
        remaining -= 1
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer, to line: inout [UInt8]) {
        var start = 0
        while start < bytes.count, remaining > 0 {
            // Copy the run up to the next newline in one go.
            let runEnd = memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start)
                .map { bytes.baseAddress!.distance(to: UnsafeRawPointer($0)) } ?? bytes.count
            let run = min(runEnd - start, remaining)
            line.append(contentsOf: UnsafeBufferPointer(start: (bytes.baseAddress! + start).assumingMemoryBound(to: UInt8.self), count: run))
            remaining -= run
            start += run
            guard start == runEnd, runEnd < bytes.count else { continue }
            // An escape that does not fit is left out whole.
            guard remaining >= 2 else { remaining = 0; return }
            line.append(UInt8(ascii: "\\"))
            line.append(UInt8(ascii: "n"))
            remaining -= 2
            start += 1
        }
    }
}
