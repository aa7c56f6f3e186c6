import Foundation

extension VarlinkServer {
    /// Calls taken from one connection in one go; the rest wait for the next pass.
    static let messagesPerPass = 64

    /// Answers a deferred call. `continues: true` sends one of several replies to a call made
    /// with `more`; the call stays open until a reply without it. Returns false when the call
    /// is no longer waiting: its connection closed, it was oneway, or it was already answered.
    @discardableResult
    public func complete(_ token: VarlinkCallToken, with reply: VarlinkReply, continues: Bool = false) -> Bool {
        guard let connection = connections[token.connection],
            let owed = connection.owed.first(where: { $0.sequence == token.sequence })
        else { return false }
        let continuing = continues && owed.acceptsMore
        let message = encode(reply, method: owed.method, continues: continuing)
        guard connection.record(message, for: token.sequence, finishing: !continuing) else { return false }
        settle(connection, now: .now)
        return true
    }

    /// Brings a connection up to date: hands complete messages to the handler while it may
    /// take more calls, queues the replies that are next in order, sends what the socket
    /// takes, and closes the connection once it is finished. False when it closed.
    @discardableResult
    func settle(_ connection: VarlinkConnection, now: ContinuousClock.Instant) -> Bool {
        var dispatched = 0
        while true {
            // Replies go to the output as soon as they are next in order, so that calls
            // answered at once never count against the limit of calls in progress.
            switch connection.queueReadyReplies(now: now, unsentLimit: limits.maxUnsentReplyBytes) {
            case .queued:
                break
            case .clientNotReading:
                counters.closedForUnreadReplies += 1
                closeConnection(connection)
                return false
            case .sendFailed:
                closeConnection(connection)
                return false
            }
            guard !connection.closesAfterReplies, connection.owedReplyCount < limits.maxPendingCalls else { break }
            guard dispatched < Self.messagesPerPass else {
                connection.hasMessagesSetAside = true
                break
            }
            guard let message = connection.nextMessage() else {
                // Whatever is left is one incomplete message.
                guard connection.bufferedInputBytes > limits.maxMessageBytes else { break }
                // The error reply is queued on the next turn.
                refuseMessage(on: connection, .invalidParameter("message"))
                continue
            }
            guard message.count <= limits.maxMessageBytes else {
                refuseMessage(on: connection, .invalidParameter("message"))
                continue
            }
            connection.lastMessageAt = now
            dispatch(message, on: connection)
            dispatched += 1
        }
        if connection.hasUnsentBytes, connection.sendQueued(now: now) == .failed {
            closeConnection(connection)
            return false
        }
        if connection.closesAfterReplies || connection.peerStoppedSending, connection.isIdle, !connection.hasMessagesSetAside {
            closeConnection(connection)
            return false
        }
        return true
    }

    /// Answers a message that is no call at all, then stops reading from the connection:
    /// after garbage there is no telling where the next message starts.
    private func refuseMessage(on connection: VarlinkConnection, _ error: VarlinkError) {
        counters.closedForBadMessages += 1
        connection.discardInput()
        connection.closesAfterReplies = true
        let sequence = connection.owe(method: "", acceptsMore: false)
        connection.record(VarlinkWire.error(error), for: sequence, finishing: true)
    }

    private func dispatch(_ message: Data, on connection: VarlinkConnection) {
        let envelope: VarlinkCallEnvelope
        switch VarlinkCallEnvelope.parse(message, with: decoder) {
        case .success(let parsed): envelope = parsed
        case .failure(let error):
            refuseMessage(on: connection, error)
            return
        }
        let sequence =
            envelope.oneway
            ? connection.skipSequence() : connection.owe(method: envelope.method, acceptsMore: envelope.more)
        let call = VarlinkCall(
            method: envelope.method, isOneway: envelope.oneway, acceptsMore: envelope.more,
            token: VarlinkCallToken(connection: connection.id, sequence: sequence),
            peer: connection.peer, message: message)
        let handling = route(call)
        guard !envelope.oneway, case .reply(let reply) = handling else { return }
        connection.record(encode(reply, method: envelope.method, continues: false), for: sequence, finishing: true)
    }

    /// Sends a call to the service interface, the handler, or back with the error saying
    /// why it has nowhere to go.
    private func route(_ call: VarlinkCall) -> VarlinkHandling {
        guard let dot = call.method.lastIndex(of: "."), dot != call.method.startIndex,
            call.method.index(after: dot) != call.method.endIndex
        else { return .error(.invalidParameter("method")) }
        let interfaceName = String(call.method[..<dot])
        let methodName = String(call.method[call.method.index(after: dot)...])
        guard let interface = interfaces[interfaceName] else { return .error(.interfaceNotFound(interfaceName)) }
        guard interface.methods.contains(methodName) else { return .error(.methodNotFound(call.method)) }
        if interfaceName == VarlinkServiceInterface.name { return answerServiceCall(call) }
        counters.calls += 1
        return handler(call)
    }

    private func answerServiceCall(_ call: VarlinkCall) -> VarlinkHandling {
        switch call.method {
        case VarlinkServiceInterface.GetInfo.name:
            return .parameters(VarlinkServiceInterface.GetInfo.Reply(identity: identity, interfaces: interfaceNames))
        case VarlinkServiceInterface.GetInterfaceDescription.name:
            do {
                let name = try call.parameters(of: VarlinkServiceInterface.GetInterfaceDescription.self).interface
                guard let interface = interfaces[name] else { return .error(.interfaceNotFound(name)) }
                return .parameters(VarlinkServiceInterface.GetInterfaceDescription.Reply(description: interface.description))
            } catch {
                return .error(error)
            }
        default:
            return .error(.methodNotImplemented(call.method))
        }
    }

    /// The reply as a message. Parameters that do not encode to a JSON object (a type whose
    /// own encoding throws, or that is not a structure) are a fault of the method, reported
    /// to the caller as `MethodNotImplemented` rather than sent half-formed.
    func encode(_ reply: VarlinkReply, method: String, continues: Bool) -> [UInt8] {
        switch reply {
        case .parameters(let parameters):
            guard let encoded = try? encoder.encode(parameters), encoded.first == UInt8(ascii: "{") else {
                return VarlinkWire.error(.methodNotImplemented(method))
            }
            return VarlinkWire.reply(parameters: encoded, continues: continues)
        case .error(let error):
            return VarlinkWire.error(error)
        }
    }
}
