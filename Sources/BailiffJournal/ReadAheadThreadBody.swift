import Glibc

/// What the reading thread of a `JournalReadAhead` runs: opens the journal, then in turn
/// runs commands, fills batches while there is room, and waits, at the end of the journal
/// for it to change.
final class ReadAheadThreadBody: Sendable {
    let channel: ReadAheadChannel
    let source: JournalSource
    let matches: JournalMatchSet

    init(channel: ReadAheadChannel, source: JournalSource, matches: JournalMatchSet) {
        self.channel = channel
        self.source = source
        self.matches = matches
    }

    private enum Work {
        case stop
        case command(@Sendable (JournalReader) -> Void)
        /// Fill the batch taken (made when none was spare); `look` is the last look request it answers.
        case read(look: UInt64)
        /// Nothing to do until the consumer asks for something, or (when at the end) until the
        /// journal changes; first wake the consumer when it waits for batches that are ready.
        case wait(followingJournal: Bool, wakeConsumer: Bool)
    }

    func run() {
        let reader: JournalReader
        do throws(JournalError) {
            reader = try JournalReader(source: source, matches: matches)
        } catch {
            channel.setReply(.failure(error))
            return
        }
        channel.setReply(.success(()))
        // The batch being filled, held only here while it is, so its buffers are reused in place.
        var filling: JournalBatch?
        while true {
            switch nextWork(taking: &filling) {
            case .stop:
                return
            case .command(let command):
                channel.state.withLock { state in
                    state.spare += state.ready
                    state.ready.removeAll()
                    state.atEnd = false
                    state.failure = nil
                }
                command(reader)
                channel.setReply(.success(()))
            case .read(let look):
                if filling == nil { filling = JournalBatch(capacity: channel.batchSize, layout: reader.matches.layout) }
                fill(&filling, look: look, from: reader)
            case .wait(let followingJournal, let wakeConsumer):
                if wakeConsumer { channel.signalReady() }
                wait(followingJournal: followingJournal, reader: reader)
            }
        }
    }

    private func nextWork(taking filling: inout JournalBatch?) -> Work {
        channel.state.withLock { state in
            state.readerWaiting = false
            if state.stopping { return .stop }
            if let command = state.command {
                state.command = nil
                return .command(command)
            }
            let wanted = !state.atEnd || state.looksRequested > state.looksDone
            guard wanted else {
                state.readerWaiting = true
                return .wait(followingJournal: true, wakeConsumer: false)
            }
            if !state.spare.isEmpty {
                filling = state.spare.popLast()
                return .read(look: state.looksRequested)
            }
            if state.batchesMade < channel.depth {
                state.batchesMade += 1
                return .read(look: state.looksRequested)
            }
            state.readerWaiting = true
            // Every batch is taken: the consumer must not sleep on the ready ones, however few
            // (`fill` wakes it only once half of them are).
            let wakeConsumer = state.consumerIdle && !state.ready.isEmpty
            if wakeConsumer { state.consumerIdle = false }
            return .wait(followingJournal: false, wakeConsumer: wakeConsumer)
        }
    }

    /// Reads entries into the batch until it is full or the journal has no more, and hands it over.
    private func fill(_ filling: inout JournalBatch?, look: UInt64, from reader: JournalReader) {
        filling!.removeAll(layout: reader.matches.layout)
        var reachedEnd = false
        var failure: JournalError?
        do throws(JournalError) {
            while !filling!.isFull {
                guard try reader.next(into: &filling!) else {
                    reachedEnd = true
                    break
                }
            }
        } catch {
            failure = error
        }
        let wakeConsumer = channel.state.withLock { state in
            if filling!.count > 0 {
                state.ready.append(filling.take()!)
            } else {
                state.spare.append(filling.take()!)
            }
            if reachedEnd || failure != nil {
                state.atEnd = true
                state.looksDone = max(state.looksDone, look)
            } else {
                state.atEnd = false
            }
            if let failure { state.failure = failure }
            // An idle consumer is woken once half the batches in flight wait (each wake-up costs
            // both threads a system call, and the reader an interrupt of the other core), or at
            // once when the reader stops at the end or on an error. Half, so the reader still
            // has batches to fill while the consumer catches up.
            guard state.consumerIdle, state.ready.count >= max(1, channel.depth / 2) || reachedEnd || failure != nil
            else { return false }
            state.consumerIdle = false
            return true
        }
        if wakeConsumer { channel.signalReady() }
    }

    /// Waits for the consumer, and at the end of the journal also for the journal to change.
    private func wait(followingJournal: Bool, reader: JournalReader) {
        var descriptors = [pollfd(fd: channel.readerEvent, events: Int16(POLLIN), revents: 0)]
        var milliseconds: Int32 = -1
        if followingJournal, let descriptor = try? reader.fileDescriptor, let events = try? reader.events {
            descriptors.append(pollfd(fd: descriptor, events: events, revents: 0))
            if let timeout = try? reader.timeout {
                // Rounded up, so a timeout under a millisecond is no busy loop.
                let (seconds, attoseconds) = timeout.components
                let total = min(max(0, seconds), Int64(Int32.max / 1_000)) * 1_000 + (max(0, attoseconds) + 999_999_999_999_999) / 1_000_000_000_000_000
                milliseconds = Int32(clamping: total)
            }
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
        // Drained after waking, so a request made while deciding to wait is not lost.
        if descriptors[0].revents != 0 { ReadAheadChannel.drain(channel.readerEvent) }
        guard followingJournal, descriptors.count > 1, ready == 0 || descriptors[1].revents != 0 else { return }
        // The journal changed (or its timeout passed): read on if anything came or went.
        if ((try? reader.process()) ?? .nop) != .nop {
            channel.state.withLock { $0.atEnd = false }
        }
    }
}
