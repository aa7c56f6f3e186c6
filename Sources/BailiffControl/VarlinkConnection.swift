import Foundation
import Glibc

/// One client connection: the bytes received and not yet handled, the replies owed in call
/// order, and the bytes queued for sending. Owned by the server on the loop thread.
final class VarlinkConnection {
    /// A reply owed to one call, held until every earlier call on the connection is answered.
    struct OwedReply {
        let sequence: UInt64
        /// The method called, for replies that must name it.
        let method: String
        /// The call was made with `more`: it may get several replies.
        let acceptsMore: Bool
        /// Encoded messages ready to go out in order (several when the call accepts more).
        var messages: [[UInt8]] = []
        /// The last message is in `messages`; the call is done once they are sent.
        var isFinished = false
    }

    let id: UInt64
    let descriptor: Int32
    let peer: VarlinkPeer?

    private var input: [UInt8] = []
    /// Bytes of `input` already handed out as messages.
    private var inputStart = 0
    /// Bytes of `input` known to hold no NUL, so a search never rescans them.
    private var scanned = 0

    private var output: [UInt8] = []
    private var outputStart = 0

    private(set) var owed: [OwedReply] = []
    private var nextSequence: UInt64 = 0

    /// When the last complete message arrived (or the connection was accepted).
    var lastMessageAt: ContinuousClock.Instant
    /// When the client last took reply bytes, or when some were first queued.
    var lastSendProgressAt: ContinuousClock.Instant
    /// The client shut down its sending side: answer what it asked, then close.
    var peerStoppedSending = false
    /// A protocol error was answered: read nothing more, close once the replies are out.
    var closesAfterReplies = false
    /// Complete messages may wait in the input beyond this pass's share of work.
    var hasMessagesSetAside = false

    init(id: UInt64, descriptor: Int32, peer: VarlinkPeer?, now: ContinuousClock.Instant) {
        self.id = id
        self.descriptor = descriptor
        self.peer = peer
        self.lastMessageAt = now
        self.lastSendProgressAt = now
    }

    var bufferedInputBytes: Int { input.count - inputStart }
    var unsentBytes: Int { output.count - outputStart }
    var hasUnsentBytes: Bool { outputStart < output.count }
    var owedReplyCount: Int { owed.count }
    /// Nothing in progress: no call waiting for its reply, nothing left to send.
    var isIdle: Bool { owed.isEmpty && !hasUnsentBytes }

    // MARK: Input

    func appendInput(_ bytes: UnsafeRawBufferPointer) {
        // Drop handed-out bytes before they outweigh the rest: a client that pipelines
        // without pause never drains the buffer completely.
        if inputStart > 0, inputStart >= 64 * 1024 || inputStart * 2 >= input.count {
            input.removeFirst(inputStart)
            scanned -= inputStart
            inputStart = 0
        }
        input.append(contentsOf: bytes)
    }

    /// Hands out the next complete message without its NUL, or nil when none is complete.
    func nextMessage() -> Data? {
        guard let end = input[scanned...].firstIndex(of: VarlinkWire.terminator) else {
            scanned = input.count
            return nil
        }
        let message = Data(input[inputStart..<end])
        inputStart = end + 1
        scanned = inputStart
        if inputStart == input.count {
            // Release large buffers once drained, so one big message does not pin memory.
            input.removeAll(keepingCapacity: input.capacity <= 64 * 1024)
            inputStart = 0
            scanned = 0
        }
        return message
    }

    func discardInput() {
        input = []
        inputStart = 0
        scanned = 0
    }

    // MARK: Replies

    /// Reserves the reply slot of a new call, in call order.
    func owe(method: String, acceptsMore: Bool) -> UInt64 {
        defer { nextSequence += 1 }
        owed.append(OwedReply(sequence: nextSequence, method: method, acceptsMore: acceptsMore))
        return nextSequence
    }

    /// A number for a call that owes no reply (oneway), so every token stays unique.
    func skipSequence() -> UInt64 {
        defer { nextSequence += 1 }
        return nextSequence
    }

    /// Records a reply message for call `sequence`; false when no such call is owed.
    @discardableResult
    func record(_ message: [UInt8], for sequence: UInt64, finishing: Bool) -> Bool {
        guard let index = owed.firstIndex(where: { $0.sequence == sequence }), !owed[index].isFinished else { return false }
        owed[index].messages.append(message)
        owed[index].isFinished = finishing
        return true
    }

    enum QueueResult {
        case queued
        /// More than the limit stayed unread while further replies were due.
        case clientNotReading
        case sendFailed
    }

    /// Moves the replies that are next in call order to the output. Before a reply is added
    /// behind more than `unsentLimit` unsent bytes, the socket is offered them first; if it
    /// still takes too little, the client is not reading.
    func queueReadyReplies(now: ContinuousClock.Instant, unsentLimit: Int) -> QueueResult {
        while let first = owed.first {
            for message in first.messages {
                if unsentBytes > unsentLimit {
                    if sendQueued(now: now) == .failed { return .sendFailed }
                    if unsentBytes > unsentLimit { return .clientNotReading }
                }
                if !hasUnsentBytes { lastSendProgressAt = now }
                output += message
            }
            owed[0].messages.removeAll()
            guard first.isFinished else { break }
            owed.removeFirst()
        }
        return .queued
    }

    // MARK: Output

    enum SendResult {
        case progressed, wouldBlock, failed
    }

    /// Sends as much queued output as the socket takes without blocking.
    func sendQueued(now: ContinuousClock.Instant) -> SendResult {
        var sentAny = false
        while hasUnsentBytes {
            let sent = output.withUnsafeBytes { bytes in
                send(descriptor, bytes.baseAddress! + outputStart, bytes.count - outputStart, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent > 0 {
                outputStart += sent
                sentAny = true
                lastSendProgressAt = now
            } else if sent < 0, errno == EINTR {
                continue
            } else if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                break
            } else {
                return .failed
            }
        }
        if outputStart == output.count {
            output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
            outputStart = 0
        } else if outputStart > 64 * 1024, outputStart * 2 > output.count {
            output.removeFirst(outputStart)
            outputStart = 0
        }
        return sentAny ? .progressed : .wouldBlock
    }
}
