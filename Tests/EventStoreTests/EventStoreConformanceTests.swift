import EventStore
import Foundation
import Testing

/// The event store contract, run against every implementation.
@Suite("Event store conformance", .timeLimit(.minutes(2)))
struct EventStoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func appendsAndReadsBackAStreamInOrder(kind: StoreKind) async throws {
        try await kind.with { store in
            let id = stream()
            let events = (1...3).map { event("test.n.v1", #"{"n":\#($0),"s":"é \"q\""}"#) }
            let result = try await store.append(to: id, expected: .noStream, events: events)
            #expect(result.streamVersion == 3)
            #expect(!result.replayed)
            #expect(result.firstCursor < result.lastCursor)

            let read = try await store.readStream(id)
            #expect(read.map(\.version) == [1, 2, 3])
            #expect(read.map(\.id) == events.map(\.id))
            #expect(zip(read, events).allSatisfy { sameJSON($0.data, $1.data) })
            #expect(read.allSatisfy { $0.streamID == id && $0.type == "test.n.v1" })
            #expect(read.first?.cursor == result.firstCursor)
            #expect(read.last?.cursor == result.lastCursor)

            let fromTwo = try await store.readStream(id, fromVersion: 2, limit: 1)
            #expect(fromTwo.map(\.version) == [2])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func recordsMetadataOnEveryEvent(kind: StoreKind) async throws {
        try await kind.with { store in
            let id = stream()
            let correlation = UUID()
            let cause = UUID()
            let metadata = EventMetadata(actor: "alice", correlationID: correlation, causationID: cause, requestID: "req-1")
            let before = Date().addingTimeInterval(-5)
            try await store.append(
                to: id, expected: .any, events: [NewEvent(type: "t.v1", data: "{}", metadata: metadata)])
            let read = try #require(try await store.readStream(id).first)
            #expect(read.metadata == metadata)
            #expect(read.recordedAt > before && read.recordedAt < Date().addingTimeInterval(5))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func expectedVersionIsEnforced(kind: StoreKind) async throws {
        try await kind.with { store in
            let id = stream()
            await #expect(throws: EventStoreError.wrongExpectedVersion(stream: id.rawValue, expected: .exact(1), actual: nil)) {
                try await store.append(to: id, expected: .exact(1), events: [event()])
            }
            try await store.append(to: id, expected: .noStream, events: [event(), event()])
            await #expect(throws: EventStoreError.wrongExpectedVersion(stream: id.rawValue, expected: .noStream, actual: 2)) {
                try await store.append(to: id, expected: .noStream, events: [event()])
            }
            await #expect(throws: EventStoreError.wrongExpectedVersion(stream: id.rawValue, expected: .exact(1), actual: 2)) {
                try await store.append(to: id, expected: .exact(1), events: [event()])
            }
            let next = try await store.append(to: id, expected: .exact(2), events: [event()])
            #expect(next.streamVersion == 3)
            let any = try await store.append(to: id, expected: .any, events: [event(), event()])
            #expect(any.streamVersion == 5)
            #expect(try await store.readStream(id).map(\.version) == [1, 2, 3, 4, 5])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentAppendersWithTheSameExpectedVersionHaveExactlyOneWinner(kind: StoreKind) async throws {
        try await kind.with { store in
            let id = stream()
            try await store.append(to: id, expected: .noStream, events: [event()])
            let previous = try await store.append(to: stream(), expected: .noStream, events: [event()])
            let outcomes = await withTaskGroup(of: Result<AppendResult, any Error>.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        await Result { try await store.append(to: id, expected: .exact(1), events: [event()]) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.compactMap { try? $0.get() }
            #expect(winners.count == 1)
            for case .failure(let error) in outcomes {
                #expect(error as? EventStoreError == .wrongExpectedVersion(stream: id.rawValue, expected: .exact(1), actual: 2))
            }
            // No position was burned by the seven losers: the winner took the next one, and so
            // does the append after it.
            let winner = try #require(winners.first)
            #expect(winner.firstCursor.position == previous.lastCursor.position + 1)
            let after = try await store.append(to: stream(), expected: .noStream, events: [event()])
            #expect(after.firstCursor.position == winner.lastCursor.position + 1)
            #expect(try await store.readStream(id).count == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func repeatingAnAppendWithTheSameEventIDsReturnsTheFirstResult(kind: StoreKind) async throws {
        try await kind.with { store in
            let id = stream()
            let events = [event(), event()]
            let first = try await store.append(to: id, expected: .noStream, events: events)
            let again = try await store.append(to: id, expected: .noStream, events: events)
            #expect(again.replayed)
            #expect(again.streamVersion == first.streamVersion)
            #expect(again.firstCursor == first.firstCursor && again.lastCursor == first.lastCursor)
            #expect(try await store.readStream(id).count == 2)
            // Half old, half new is a confused retry and is refused.
            await #expect(throws: EventStoreError.duplicateEventIDs(stream: id.rawValue)) {
                try await store.append(to: id, expected: .any, events: [events[0], event()])
            }
            #expect(try await store.readStream(id).count == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func repeatingAOneEventAppendReturnsItsResultAndAnotherStreamCannotReuseTheID(kind: StoreKind) async throws {
        try await kind.with { store in
            let id = stream()
            let single = event()
            let first = try await store.append(to: id, expected: .noStream, events: [single])
            let again = try await store.append(to: id, expected: .noStream, events: [single])
            #expect(again.replayed)
            #expect(again.firstCursor == first.firstCursor && again.lastCursor == first.lastCursor)
            #expect(again.streamVersion == 1)
            let other = stream()
            await #expect(throws: EventStoreError.duplicateEventIDs(stream: other.rawValue)) {
                try await store.append(to: other, expected: .any, events: [single])
            }
            #expect(try await store.readStream(other).isEmpty)
            #expect(try await store.readStream(id).map(\.id) == [single.id])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anIdempotencyKeyReturnsTheFirstResultAndRefusesADifferentRequest(kind: StoreKind) async throws {
        try await kind.with { store in
            let id = stream()
            let key = "key-\(UUID())"
            let request = AppendRequest(
                stream: id, expected: .noStream, events: [event()], idempotencyKey: key, fingerprint: "body-1")
            let first = try await store.append(request)
            // New event ids (a client retrying builds new ones), same key and body.
            var retry = request
            retry.events = [event()]
            let second = try await store.append(retry)
            #expect(second.replayed)
            #expect(second.lastCursor == first.lastCursor && second.streamVersion == 1)
            var other = retry
            other.fingerprint = "body-2"
            await #expect(throws: EventStoreError.idempotencyKeyReused(key: key)) { try await store.append(other) }
            #expect(try await store.readStream(id).count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentAppendsWithOneIdempotencyKeyWriteOnce(kind: StoreKind) async throws {
        try await kind.with { store in
            let id = stream()
            let key = "key-\(UUID())"
            let results = try await withThrowingTaskGroup(of: AppendResult.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await store.append(
                            AppendRequest(
                                stream: id, expected: .any, events: [event()], idempotencyKey: key, fingerprint: "same"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { !$0.replayed }.count == 1)
            #expect(Set(results.map(\.lastCursor)).count == 1)
            #expect(try await store.readStream(id).count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func readsTheWholeLogInOrderFromACursor(kind: StoreKind) async throws {
        try await kind.with { store in
            var appended: [UUID] = []
            for index in 0..<10 {
                let events = [event(), event()]
                appended += events.map(\.id)
                try await store.append(to: stream("s\(index % 3)"), expected: .any, events: events)
            }
            let all = try await readAllSettled(store, count: appended.count)
            #expect(all.map(\.id) == appended)
            try #require(all.count == appended.count)
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.cursor < $1.cursor })
            let rest = try await store.readAll(after: all[7].cursor, limit: 100)
            #expect(rest.map(\.id) == Array(appended[8...]))
            let page = try await store.readAll(after: all[2].cursor, limit: 3)
            #expect(page.map(\.id) == Array(appended[3..<6]))
            #expect(try await store.head() >= all.last!.cursor)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aClaimBelongsToOneStreamUntilReleased(kind: StoreKind) async throws {
        try await kind.with { store in
            let a = stream("a")
            let b = stream("b")
            let claim = "domain:\(UUID()).example.com"
            try await store.append(AppendRequest(stream: a, expected: .noStream, events: [event()], claims: [claim]))
            #expect(try await store.claimOwner(claim) == a)
            await #expect(throws: EventStoreError.claimTaken(claim: claim, heldBy: a.rawValue)) {
                try await store.append(AppendRequest(stream: b, expected: .noStream, events: [event()], claims: [claim]))
            }
            // The refused append wrote nothing: b still does not exist.
            #expect(try await store.readStream(b).isEmpty)
            // Claiming again from the same stream is fine.
            try await store.append(AppendRequest(stream: a, expected: .exact(1), events: [event()], claims: [claim]))
            try await store.append(AppendRequest(stream: a, expected: .exact(2), events: [event()], releases: [claim]))
            #expect(try await store.claimOwner(claim) == nil)
            try await store.append(AppendRequest(stream: b, expected: .noStream, events: [event()], claims: [claim]))
            #expect(try await store.claimOwner(claim) == b)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentClaimsOfOneNameHaveOneWinner(kind: StoreKind) async throws {
        try await kind.with { store in
            let claim = "domain:race-\(UUID())"
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        (try? await store.append(
                            AppendRequest(stream: stream(), expected: .noStream, events: [event()], claims: [claim]))) != nil
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            let written = try await readAllSettled(store, count: 1)
            #expect(written.count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func badInputIsRefusedWithAClearErrorAndWritesNothing(kind: StoreKind) async throws {
        try await kind.with { store in
            let id = stream()
            #expect(throws: EventStoreError.invalidStreamID("", reason: "must not be empty")) { try StreamID("") }
            #expect(throws: EventStoreError.self) { try StreamID("store/../x") }
            #expect(throws: EventStoreError.self) { try StreamID(String(repeating: "a", count: 201)) }

            await #expect(throws: EventStoreError.invalidEvent(index: 1, reason: "data is not a JSON object")) {
                try await store.append(to: id, expected: .any, events: [event(), event("t.v1", #"{"a": 1"#)])
            }
            await #expect(throws: EventStoreError.invalidEvent(index: 0, reason: "data is not a JSON object")) {
                try await store.append(to: id, expected: .any, events: [event("t.v1", "[1,2]")])
            }
            await #expect(throws: EventStoreError.invalidEvent(index: 0, reason: "data is not a JSON object")) {
                try await store.append(to: id, expected: .any, events: [event("t.v1", "")])
            }
            let big = #"{"blob":""# + String(repeating: "x", count: EventLimits.maxDataBytes) + #""}"#
            await #expect(throws: EventStoreError.eventTooLarge(index: 0, bytes: big.utf8.count, limit: EventLimits.maxDataBytes)) {
                try await store.append(to: id, expected: .any, events: [event("t.v1", big)])
            }
            await #expect(throws: EventStoreError.emptyAppend) {
                try await store.append(to: id, expected: .any, events: [])
            }
            await #expect(throws: EventStoreError.self) {
                try await store.append(to: id, expected: .any, events: [event("has space", "{}")])
            }
            await #expect(throws: EventStoreError.self) {
                try await store.append(to: id, expected: .any, events: [event("t.v1", #"{"a":"\u0000"}"#)])
            }
            await #expect(throws: EventStoreError.self) {
                try await store.append(to: id, expected: .any, events: [event("t.v1", "{}", actor: "")])
            }
            // Just under the limit is fine, and it is the only event in the log.
            let fits = #"{"b":""# + String(repeating: "y", count: EventLimits.maxDataBytes - 8) + #""}"#
            try await store.append(to: id, expected: .any, events: [event("t.v1", fits)])
            #expect(try await store.readStream(id).count == 1)
            #expect(try await readAllSettled(store, count: 1).count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aSubscriptionCatchesUpThenFollowsNewEvents(kind: StoreKind) async throws {
        try await kind.with { store in
            var ids: [UUID] = []
            for _ in 0..<5 {
                let e = event()
                ids.append(e.id)
                try await store.append(to: stream(), expected: .noStream, events: [e])
            }
            let subscription = store.subscribe(after: .start)
            async let received = collect(subscription, count: 10)
            for _ in 0..<5 {
                let e = event()
                ids.append(e.id)
                try await store.append(to: stream(), expected: .noStream, events: [e])
            }
            #expect(try await received.map(\.id) == ids)

            // From a checkpoint: only what follows it.
            let all = try await readAllSettled(store, count: 10)
            try #require(all.count == 10)
            let tail = try await collect(store.subscribe(after: all[6].cursor), count: 3)
            #expect(tail.map(\.id) == Array(ids[7...]))
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
