import CPCRE2
import Synchronization

/// A regular expression that PCRE2 refused, with the position it points at.
public struct PatternError: Error, CustomStringConvertible, Sendable {
    public let pattern: String
    public let offset: Int
    public let reason: String

    public var description: String {
        "cannot compile regex at offset \(offset): \(reason): \(pattern)"
    }
}

/// A compiled PCRE2 pattern (JIT where the platform allows). One instance may be shared
/// between threads; matching needs a `MatchScratch`.
///
/// The JIT compilation, which costs far more than compiling, happens once, at the first
/// match: a filter declares dozens of regexes (and the date detector dozens of templates)
/// of which a log usually meets a few.
public final class Pattern: @unchecked Sendable {
    let code: OpaquePointer
    /// The same pattern compiled for plain bytes. On ASCII text it matches exactly as the
    /// Unicode form does (every character is one byte, classes agree on ASCII) and is
    /// several times faster, so ASCII lines use it.
    let asciiCode: OpaquePointer?
    /// The pattern as handed to PCRE2 (after Python-dialect translation).
    public let source: String
    public let captureCount: Int
    /// Named groups in pattern order; a name may appear more than once.
    public let namedGroups: [(name: String, number: Int)]
    public var isJITCompiled: Bool {
        prepareJIT()
        return unicodeJIT
    }
    var isASCIIJITCompiled: Bool {
        prepareJIT()
        return asciiJIT
    }
    /// Written once, under `jitLock`, before `jitReady` is published.
    fileprivate var unicodeJIT = false
    fileprivate var asciiJIT = false
    private let jitReady = Atomic<Bool>(false)
    private let jitLock = Mutex<Void>(())
    /// Whether the pattern can only match at the start of the subject (every branch
    /// begins with `^` or `\A`, outside multi-line mode).
    public let isAnchored: Bool

    public struct Options: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `^` and `$` also match at inner line breaks (multi-line filters).
        public static let multiline = Options(rawValue: 1)
    }

    /// Compiles a pattern written in Python's `re` dialect.
    public convenience init(python pattern: String, options: Options = []) throws(PatternError) {
        try self.init(pcre2: PythonDialect.translate(pattern), options: options)
    }

    public init(pcre2 pattern: String, options: Options = []) throws(PatternError) {
        // UTF + UCP make \w, \s, \d and \b Unicode-aware as in Python 3; MATCH_INVALID_UTF
        // lets arbitrary log bytes be matched without a validity check per line.
        let byteFlags: UInt32 = options.contains(.multiline) ? UInt32(PCRE2_MULTILINE) : 0
        let flags = byteFlags | UInt32(PCRE2_UTF) | UInt32(PCRE2_UCP) | UInt32(PCRE2_MATCH_INVALID_UTF)
        let context = pcre2_compile_context_create_8(nil)
        defer { pcre2_compile_context_free_8(context) }
        pcre2_set_newline_8(context, UInt32(PCRE2_NEWLINE_LF))
        let (unicode, errorCode, errorOffset) = Pattern.compile(pattern, flags: flags, context: context)
        guard let compiled = unicode else {
            throw PatternError(pattern: pattern, offset: errorOffset, reason: Pattern.errorMessage(errorCode))
        }
        code = compiled
        source = pattern
        asciiCode = pattern.utf8.allSatisfy({ $0 < 0x80 }) ? Pattern.compile(pattern, flags: byteFlags, context: context).code : nil

        var allOptions: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_ALLOPTIONS), &allOptions)
        isAnchored = allOptions & UInt32(PCRE2_ANCHORED) != 0
        var count: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = Int(count)
        namedGroups = Pattern.readNameTable(compiled)
    }

    /// JIT-compiles both forms once; every match calls this first, so no thread matches
    /// while another compiles.
    @inline(__always)
    func prepareJIT() {
        if !jitReady.load(ordering: .acquiring) { compileJIT() }
    }

    private func compileJIT() {
        jitLock.withLock { _ in
            guard !jitReady.load(ordering: .relaxed) else { return }
            unicodeJIT = pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE)) == 0
            asciiJIT = asciiCode.map { pcre2_jit_compile_8($0, UInt32(PCRE2_JIT_COMPLETE)) == 0 } ?? false
            jitReady.store(true, ordering: .releasing)
        }
    }

    deinit {
        pcre2_code_free_8(code)
        if let asciiCode { pcre2_code_free_8(asciiCode) }
    }

    /// Group numbers carrying `name` (several with duplicate names).
    public func groupNumbers(named name: String) -> [Int] {
        namedGroups.filter { $0.name == name }.map(\.number)
    }

    private static func compile(_ pattern: String, flags: UInt32, context: OpaquePointer?) -> (code: OpaquePointer?, error: Int32, offset: Int) {
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let code: OpaquePointer? = pattern.utf8CString.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: buf.count) { ptr in
                pcre2_compile_8(ptr, buf.count - 1, flags, &errorCode, &errorOffset, context)
            }
        }
        return (code, errorCode, errorOffset)
    }

    /// The bytes a match of `source` can start with, as a 256-entry table; nil when PCRE2
    /// cannot tell (the pattern may start with anything, or match the empty string).
    /// `source` must not be anchored: PCRE2 only studies start bytes for floating patterns.
    static func startingBytes(of source: String) -> [Bool]? {
        let probe = compile(source, flags: 0, context: nil).code
        guard let probe else { return nil }
        defer { pcre2_code_free_8(probe) }
        var type: UInt32 = 0
        pcre2_pattern_info_8(probe, UInt32(PCRE2_INFO_FIRSTCODETYPE), &type)
        var table = [Bool](repeating: false, count: 256)
        if type == 1 {
            var unit: UInt32 = 0
            pcre2_pattern_info_8(probe, UInt32(PCRE2_INFO_FIRSTCODEUNIT), &unit)
            guard unit < 128 else { return nil }
            // PCRE2 folds classes such as [Bb] into a caseless unit without saying so:
            // allow both cases of a letter.
            table[Int(unit)] = true
            let scalar = Character(Unicode.Scalar(UInt8(unit)))
            for other in [scalar.lowercased(), scalar.uppercased()] {
                if let ascii = other.first?.asciiValue { table[Int(ascii)] = true }
            }
            return table
        }
        var bitmap: UnsafePointer<UInt8>?
        pcre2_pattern_info_8(probe, UInt32(PCRE2_INFO_FIRSTBITMAP), &bitmap)
        guard type == 0, let bitmap else { return nil }
        for byte in 0..<256 where bitmap[byte >> 3] & (1 << (byte & 7)) != 0 { table[byte] = true }
        return table
    }

    static func errorMessage(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(code, &buffer, buffer.count)
        guard length > 0 else { return "PCRE2 error \(code)" }
        return String(decoding: buffer[0..<Int(length)], as: UTF8.self)
    }

    private static func readNameTable(_ code: OpaquePointer) -> [(name: String, number: Int)] {
        var nameCount: UInt32 = 0
        var entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &nameCount)
        guard nameCount > 0 else { return [] }
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard let table else { return [] }
        var result: [(name: String, number: Int)] = []
        for index in 0..<Int(nameCount) {
            let entry = table + index * Int(entrySize)
            let number = Int(entry[0]) << 8 | Int(entry[1])
            let name = String(cString: entry + 2)
            result.append((name, number))
        }
        return result.sorted { $0.number < $1.number }
    }
}

/// A pattern as the per-line path passes it around: without reference counting, so
/// whoever hands one out keeps the `Pattern` alive.
struct MatchCode {
    let pattern: Unmanaged<Pattern>
}

extension Pattern {
    var matchCode: MatchCode { MatchCode(pattern: Unmanaged.passUnretained(self)) }
}

/// What a raw PCRE2 return code means for a filter.
enum MatchResult {
    case matched, noMatch, limitExceeded

    @inline(__always)
    init(_ code: Int32) {
        if code >= 0 {
            self = .matched
        } else if code == PCRE2_ERROR_MATCHLIMIT || code == PCRE2_ERROR_DEPTHLIMIT || code == PCRE2_ERROR_HEAPLIMIT
                    || code == PCRE2_ERROR_JIT_STACKLIMIT {
            self = .limitExceeded
        } else {
            // No match, or an error that is not the line's fault: nothing matched.
            self = .noMatch
        }
    }
}

/// The outcome of one bounded match.
public enum MatchOutcome: Equatable, Sendable {
    case matched
    case noMatch
    /// The match or depth limit stopped the attempt: the line is hostile or the
    /// pattern pathological; the caller reports it and moves on.
    case limitExceeded
    case failed(String)
}

/// Per-thread matching state: match data with room for any pattern's groups, and a
/// match context carrying the limits that bound every match. Not shareable.
public final class MatchScratch {
    static let maxPairs: UInt32 = 1000
    /// Ceiling on backtracking steps per match; generous for honest lines, fatal for
    /// catastrophic backtracking.
    public static let defaultMatchLimit: UInt32 = 200_000

    let matchData: OpaquePointer
    let context: OpaquePointer
    let jitStack: OpaquePointer?
    let ovector: UnsafeMutablePointer<Int>
    /// The subject of the last match, for reading groups.
    private(set) var subject: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)

    public init(matchLimit: UInt32 = MatchScratch.defaultMatchLimit, depthLimit: UInt32 = 10_000) {
        matchData = pcre2_match_data_create_8(MatchScratch.maxPairs, nil)
        context = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(context, matchLimit)
        pcre2_set_depth_limit_8(context, depthLimit)
        jitStack = pcre2_jit_stack_create_8(32 * 1024, 1024 * 1024, nil)
        if let jitStack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack)) }
        ovector = UnsafeMutablePointer(mutating: pcre2_get_ovector_pointer_8(matchData))
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_match_context_free_8(context)
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
    }

    /// Searches `subject` from `offset`. Groups stay readable until the next match.
    /// - Parameter ascii: the caller knows `subject` is pure ASCII (enables the byte form).
    public func match(_ pattern: Pattern, in subject: UnsafeRawBufferPointer, from offset: Int = 0, ascii: Bool = false) -> MatchOutcome {
        self.subject = subject
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let useASCII = ascii && pattern.asciiCode != nil
        let code = useASCII ? pattern.asciiCode! : pattern.code
        // JIT code is entered directly, skipping the interpreter's option checks.
        let rc = (useASCII ? pattern.isASCIIJITCompiled : pattern.isJITCompiled)
            ? pcre2_jit_match_8(code, base, subject.count, offset, 0, matchData, context)
            : pcre2_match_8(code, base, subject.count, offset, 0, matchData, context)
        if rc >= 0 { return .matched }
        switch rc {
        case PCRE2_ERROR_NOMATCH, PCRE2_ERROR_PARTIAL: return .noMatch
        case PCRE2_ERROR_MATCHLIMIT, PCRE2_ERROR_DEPTHLIMIT, PCRE2_ERROR_HEAPLIMIT, PCRE2_ERROR_JIT_STACKLIMIT:
            return .limitExceeded
        default: return .failed(Pattern.errorMessage(rc))
        }
    }

    /// `match` for the per-line path: no reference counting, no error text.
    @inline(__always)
    func run(_ code: MatchCode, in subject: UnsafeRawBufferPointer, ascii: Bool) -> MatchResult {
        self.subject = subject
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let rc = code.pattern._withUnsafeGuaranteedRef { pattern -> Int32 in
            pattern.prepareJIT()
            if ascii, let asciiCode = pattern.asciiCode {
                return pattern.asciiJIT
                    ? pcre2_jit_match_8(asciiCode, base, subject.count, 0, 0, matchData, context)
                    : pcre2_match_8(asciiCode, base, subject.count, 0, 0, matchData, context)
            }
            return pattern.unicodeJIT
                ? pcre2_jit_match_8(pattern.code, base, subject.count, 0, 0, matchData, context)
                : pcre2_match_8(pattern.code, base, subject.count, 0, 0, matchData, context)
        }
        return MatchResult(rc)
    }

    /// Byte range of group `number` in the last matched subject, nil if it did not take part.
    @inline(__always)
    public func range(ofGroup number: Int) -> Range<Int>? {
        guard number >= 0, number < Int(MatchScratch.maxPairs) else { return nil }
        let start = ovector[2 * number]
        let end = ovector[2 * number + 1]
        if start == bailiff_pcre2_unset() || end < start { return nil }
        return start..<end
    }

    /// `range(ofGroup:)` for a group number known to be below `maxPairs`.
    @inline(__always)
    func range(ofPairedGroup number: Int) -> Range<Int>? {
        let start = ovector[2 * number]
        let end = ovector[2 * number + 1]
        if start == bailiff_pcre2_unset() || end < start { return nil }
        return Range(uncheckedBounds: (start, end))
    }

    public func string(ofGroup number: Int) -> String? {
        guard let range = range(ofGroup: number) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: subject[range]), as: UTF8.self)
    }

    /// The first participating group among `numbers` (duplicate names).
    public func string(ofAnyGroup numbers: [Int]) -> String? {
        for number in numbers { if let value = string(ofGroup: number) { return value } }
        return nil
    }
}
