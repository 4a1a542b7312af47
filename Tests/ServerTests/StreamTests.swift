import EventStore
import Foundation
import Testing

/// `GET /stream` over real HTTP: a raw-socket SSE client against the real `urumi serve`.
/// Every check ends by comparing what a client received with the `events` table.
@Suite("Event stream", .serialized, .timeLimit(.minutes(5)))
struct StreamTests {
    @Test func aFollowerReceivesEveryEventOnceInCursorOrderWhileTwoHundredStoresAreCreated() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, arguments: ["--sim-latency", "5ms", "--concurrency", "32"]) { server in
                let follower = try SSEClient.open(port: server.port, path: "/stream")
                // The head comes after the registration: from here on every append reaches it.
                #expect(try await follower.waitForHead() == 200)
                #expect(try await database.log().isEmpty)

                let client = HTTPClient(base: server.baseURL)
                _ = try await client.createStores("follow", count: 200)
                let stores = try await client.waitUntilSettled(count: 200)
                #expect(stores.allSatisfy { $0["status"] as? String == "ready" })

                let log = try await database.log()
                #expect(log.count == 200 * 12, "requested, 5 × (started, succeeded), ready per store")
                let received = try await follower.waitForEvent(atOrAfter: log.last!.id)
                #expect(pairs(received) == pairs(log))
                #expect(strictlyIncreasing(received.map { $0.id ?? "" }))
                #expect(!follower.snapshot.ended, "the follower was never cut off")
                // The data line is the public JSON of the same event.
                for event in received.prefix(50) {
                    #expect(event.json["id"] as? String == event.id && event.json["type"] as? String == event.event)
                }
            }
        }
    }

    @Test func aClientThatDisconnectsResumesWithLastEventIDOrAfterWithoutGapsOrDuplicates() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "5ms"]) { server in
                let client = HTTPClient(base: server.baseURL)

                // 1. Follow while the first batch runs; drop the connection midway.
                let first = try SSEClient.open(port: server.port, path: "/stream")
                try await first.waitForHead()
                _ = try await client.createStores("resume-a", count: 20)
                _ = try await first.waitForEvents(atLeast: 30)
                first.close()
                let part1 = try await first.waitForEnd().events

                // 2. Appends happen while nobody listens; resume with the Last-Event-ID header.
                _ = try await client.createStores("resume-b", count: 20)
                let second = try SSEClient.open(
                    port: server.port, path: "/stream", headers: ["Last-Event-ID": part1.last!.id!])
                #expect(try await second.waitForHead() == 200)
                _ = try await second.waitForEvents(atLeast: 30)
                second.close()
                let part2 = try await second.waitForEnd().events

                // 3. Again, resuming with ?after= this time.
                _ = try await client.createStores("resume-c", count: 20)
                let third = try SSEClient.open(port: server.port, path: "/stream?after=\(part2.last!.id!)")
                #expect(try await third.waitForHead() == 200)
                _ = try await client.waitUntilSettled(count: 60)
                let log = try await database.log()
                let part3 = try await third.waitForEvent(atOrAfter: log.last!.id)

                #expect(part1.count < log.count && part2.count < log.count, "each disconnect happened midway")
                let union = part1 + part2 + part3
                #expect(pairs(union) == pairs(log))
                #expect(Set(union.map(\.id)).count == union.count, "no duplicates")
            }
        }
    }

    @Test func aClientResumesOnARestartedServerWithoutGapsOrDuplicates() async throws {
        try await ServerDatabase.with { database in
            // A short lease: the new process takes over sagas the old one was running.
            let arguments = ["--sim-latency", "20ms", "--lease-ttl", "2s"]
            let before = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            defer { before.stop() }
            let first = try SSEClient.open(port: before.port, path: "/stream")
            try await first.waitForHead()
            _ = try await HTTPClient(base: before.baseURL).createStores("restart-a", count: 20)
            _ = try await first.waitForEvents(atLeast: 40)
            before.terminate()
            #expect(await before.waitForExit(timeout: .seconds(15)))
            let part1 = try await first.waitForEnd().events

            try await InProcessServer.run(databaseURL: database.url, arguments: arguments) { after in
                let second = try SSEClient.open(
                    port: after.port, path: "/stream", headers: ["Last-Event-ID": part1.last!.id!])
                #expect(try await second.waitForHead() == 200)
                let client = HTTPClient(base: after.baseURL)
                _ = try await client.createStores("restart-b", count: 10)
                let stores = try await client.waitUntilSettled(count: 30)
                #expect(stores.allSatisfy { $0["status"] as? String == "ready" })
                let log = try await database.log()
                let part2 = try await second.waitForEvent(atOrAfter: log.last!.id)

                #expect(part1.count < log.count, "the restart happened midway")
                #expect(pairs(part1 + part2) == pairs(log))
            }
        }
    }

    @Test func filtersByStoreAndByTypesAndRejectsBadCursorsAndStores() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, arguments: ["--sim-latency", "0", "--sse-heartbeat", "1s"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let ids = try await client.createStores("filter", count: 5)
                _ = try await client.waitUntilSettled(count: 5)
                let target = ids[0]
                let targetStream = "store-\(target)"

                // Catch-up from the start of the log, then live.
                let byStore = try SSEClient.open(port: server.port, path: "/stream?after=0&store=\(target.uppercased())")
                let readies = try SSEClient.open(port: server.port, path: "/stream?after=0&types=store.ready.v1")
                let pair = try SSEClient.open(
                    port: server.port, path: "/stream?after=0&types=store.requested.v2,store.deleted.v1")
                for stream in [byStore, readies, pair] { #expect(try await stream.waitForHead() == 200) }
                _ = try await byStore.waitForEvent(
                    atOrAfter: try await database.log(where: "stream_id = $1", [targetStream]).last!.id)
                _ = try await readies.waitForEvents(atLeast: 5)
                _ = try await pair.waitForEvents(atLeast: 5)

                // Live: a sentinel store comes and goes, then the target is deleted, so the target's
                // last event is the last of the log and everything before it was seen by `byStore`.
                let sentinel = try await client.createStores("sentinel", count: 1, from: 0)[0]
                try await client.waitForStatus(sentinel, "ready")
                #expect(try await client.request("DELETE", "/stores/\(sentinel)").status == 202)
                try await client.waitForStatus(sentinel, "deleted")
                #expect(try await client.request("DELETE", "/stores/\(target)").status == 202)
                try await client.waitForStatus(target, "deleted")

                let all = try await database.log()
                let targetLog = all.filter { $0.stream == targetStream }
                #expect(targetLog.last == all.last, "the target's deletion ends the log")
                let readyLog = all.filter { $0.type == "store.ready.v1" }
                let pairLog = all.filter { $0.type == "store.requested.v2" || $0.type == "store.deleted.v1" }
                #expect(readyLog.count == 6 && pairLog.count == 8)

                #expect(pairs(try await byStore.waitForEvent(atOrAfter: targetLog.last!.id)) == pairs(targetLog))
                #expect(pairs(try await readies.waitForEvent(atOrAfter: readyLog.last!.id)) == pairs(readyLog))
                #expect(pairs(try await pair.waitForEvent(atOrAfter: pairLog.last!.id)) == pairs(pairLog))
                #expect(byStore.snapshot.events.allSatisfy { $0.json["storeId"] as? String == target })

                // Bad input is a 400 problem naming the parameter, before any stream starts.
                let bad: [(path: String, headers: [String: String], field: String)] = [
                    ("/stream?after=nope", [:], "after"),
                    ("/stream?after=12-", [:], "after"),
                    ("/stream?after=1-2-3", [:], "after"),
                    ("/stream", ["Last-Event-ID": "yesterday"], "after"),
                    ("/stream?store=not-a-store", [:], "store"),
                    ("/stream?store=\(target)x", [:], "store"),
                ]
                for (path, headers, field) in bad {
                    let response = try await client.request("GET", path, headers: headers)
                    #expect(response.status == 400, "\(path) \(headers)")
                    #expect(response.header("Content-Type") == "application/problem+json", "\(path)")
                    #expect(response.json["type"] as? String == "https://urumi.dev/problems/bad-parameter", "\(path)")
                    let errors = response.json["errors"] as? [[String: Any]] ?? []
                    #expect(errors.map { $0["field"] as? String } == [field], "\(path) \(headers)")
                }
            }
        }
    }

    @Test func theStreamOpensAtOnceWithItsHeadersAndSendsHeartbeatsAtTheConfiguredInterval() async throws {
        try await ServerDatabase.with { database in
            let interval = Duration.milliseconds(250)
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sse-heartbeat", "250ms"]) { server in
                let stream = try SSEClient.open(port: server.port, path: "/stream")
                #expect(try await stream.waitForHead() == 200)
                // The log is empty: nothing but the preamble can come first.
                let opening = try await stream.wait("the preamble", timeout: .seconds(5)) { state in
                    state.items.count >= 2 ? Array(state.items.prefix(2)) : nil
                }
                #expect(opening[0].item == .retry(2000))
                #expect(opening[1].item == .comment("urumi event stream"))
                let state = stream.snapshot
                let firstByte = try #require(state.firstBodyByteAt) - stream.connectedAt
                #expect(firstByte < .seconds(1), "first bytes after \(firstByte)")
                #expect(state.headers["content-type"] == "text/event-stream")
                #expect(state.headers["cache-control"] == "no-cache")
                #expect(state.headers["x-accel-buffering"] == "no")

                let beats = try await stream.wait("eight heartbeats", timeout: .seconds(20)) { state in
                    let beats = state.comments.filter { $0.text == "heartbeat" }.map(\.at)
                    return beats.count >= 8 ? beats : nil
                }
                let gaps = zip(beats, beats.dropFirst()).map { $1 - $0 }
                // One timer for all clients: each gap is the interval, give or take scheduling.
                #expect(gaps.allSatisfy { $0 >= interval / 2 && $0 <= interval * 5 }, "\(gaps)")
                let mean = (beats.last! - beats.first!) / (beats.count - 1)
                #expect(mean >= interval * 0.9 && mean <= interval * 2, "mean gap \(mean)")
                #expect(stream.snapshot.events.isEmpty)
            }
        }
    }

    @Test func aClientThatNeverReadsIsCutOffWhileOthersReceiveEverythingAndMemoryStaysBounded() async throws {
        try await ServerDatabase.with { database in
            let queueLimit = 200
            let server = try await UrumiProcess(
                databaseURL: database.url, arguments: ["--sim-latency", "0", "--sse-queue-limit", "\(queueLimit)"])
            defer { server.stop() }
            let normal = try SSEClient.open(port: server.port, path: "/stream")
            #expect(try await normal.waitForHead() == 200)
            // Never reads: a 4 KiB receive window, and no recv at all until the end.
            let slow = try SSEClient(port: server.port, path: "/stream", receiveBuffer: 4096)

            // 40 transactions of 100 events with 16 KiB of data each (62.5 MiB in all), each
            // pushed once the normal client has everything before it, so it never falls behind.
            // Memory is measured from batch 8 on: by then the slow client's socket buffers and
            // queue are full and it is cut off (~400 events), and the allocator has warmed up.
            let batches = 40
            let warmUp = 8
            var baseline = 0
            for batch in 1...batches {
                let last = try await database.appendFillers(stream: "load-\(batch)", count: 100, padding: 16384)
                _ = try await normal.waitForEvent(atOrAfter: last)
                if batch == warmUp { baseline = try server.residentMemory() }
            }
            let grown = try server.residentMemory() - baseline
            // After the warm-up 32 batches (50 MiB) are pushed. An unbounded queue, or a writer
            // that ignored backpressure, would keep all of it for the stuck client; the bounded
            // queue keeps at most 200 frames (~3.3 MiB), reached before the baseline. Measured: a
            // few MiB of drift, flat even over 120 batches; once 18 MiB on a machine at load 30.
            // 32 MiB leaves room for allocator slack and is still far below the 50 MiB pushed
            // (an unbounded queue measured 56.6 MiB).
            #expect(grown < 32 * 1024 * 1024, "resident memory grew by \(grown / 1024) KiB")

            let log = try await database.log()
            #expect(log.count == batches * 100)
            #expect(pairs(normal.snapshot.events) == pairs(log), "the normal client got everything, once, in order")
            #expect(!normal.snapshot.ended)
            #expect(server.log.contains("disconnected slow SSE clients"), "the server says it cut a client off")

            // Once it reads, the slow client gets what was queued for it, then the end.
            slow.startReading()
            let end = try await slow.waitForEnd(timeout: .seconds(60))
            #expect(end.status == 200)
            let got = pairs(end.events)
            #expect(!got.isEmpty && got.count < log.count / 2, "cut off after \(got.count) events")
            if let start = pairs(log).firstIndex(of: got.first ?? "") {
                #expect(Array(pairs(log)[start..<(start + got.count)]) == got, "a contiguous run of the log")
            } else {
                Issue.record("the slow client's first event \(got.first ?? "none") is not in the log")
            }
        }
    }

    @Test func anOpenStreamEndsCleanlyAndTheServerExitsPromptlyOnSIGTERM() async throws {
        try await ServerDatabase.with { database in
            let server = try await UrumiProcess(databaseURL: database.url, arguments: ["--sim-latency", "0"])
            defer { server.stop() }
            let stream = try SSEClient.open(port: server.port, path: "/stream")
            #expect(try await stream.waitForHead() == 200)
            // An idle log: every saga is done and the stream has had everything when the
            // signal comes (with events still flowing, the broadcaster used to end by chance).
            let client = HTTPClient(base: server.baseURL)
            _ = try await client.createStores("term", count: 3)
            _ = try await client.waitUntilSettled(count: 3)
            _ = try await stream.waitForEvent(atOrAfter: try await database.log().last!.id)
            let signalled = ContinuousClock.now
            server.terminate()
            // Well under the 10 s after which shutdown escalates to cancellation: no escalation needed.
            #expect(await server.waitForExit(timeout: .seconds(5)), "exited within 5 s of SIGTERM")
            let end = try await stream.waitForEnd(timeout: .seconds(10))
            #expect(end.endedCleanly, "the stream ended with its last chunk, not a dropped connection")
            #expect(!server.process.isRunning && server.process.terminationStatus == 0)
            let took = ContinuousClock.now - signalled
            #expect(took < .seconds(5), "shutdown took \(took)")
        }
    }

    @Test func aClientThatNeverReadsHoldsUpShutdownNoLongerThanTheGrace() async throws {
        try await ServerDatabase.with { database in
            let server = try await UrumiProcess(databaseURL: database.url, arguments: ["--sim-latency", "0"])
            defer { server.stop() }
            let normal = try SSEClient.open(port: server.port, path: "/stream")
            #expect(try await normal.waitForHead() == 200)
            let stuck = try SSEClient(port: server.port, path: "/stream", receiveBuffer: 4096)
            defer { stuck.close() }
            // 12.5 MiB, far more than the socket buffers hold: the server's write to `stuck` waits
            // (under the queue limit, so it is not cut off), which used to hold up SIGTERM for good.
            for batch in 1...16 {
                let last = try await database.appendFillers(stream: "stuck-\(batch)", count: 50, padding: 16384)
                _ = try await normal.waitForEvent(atOrAfter: last)
            }
            let signalled = ContinuousClock.now
            server.terminate()
            let end = try await normal.waitForEnd(timeout: .seconds(5))
            #expect(end.endedCleanly, "a reading client still gets its clean end at once")
            #expect(await server.waitForExit(timeout: .seconds(15)), "exited within the 10 s grace and some slack")
            #expect(!server.process.isRunning && server.process.terminationStatus == 0)
            let took = ContinuousClock.now - signalled
            #expect(took < .seconds(15), "shutdown took \(took)")
        }
    }
}
