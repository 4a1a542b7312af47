import EventStore
import Foundation
import Testing

@testable import Provisioning

/// A rollout's stream as the runner would write it, folded after each append exactly as
/// after a restart (every event goes through its wire form).
private struct RolloutLog {
    var recorded: [RecordedEvent] = []
    var now = Date(timeIntervalSince1970: 1_800_000_000)

    init(_ stores: Int, waves: [RolloutPlanner.WaveStep] = RolloutPlanner.defaultWaves, maxFailures: Int = 0, pauseMs: Int = 0,
        action: RolloutEvent.Action = .update)
    {
        let ids = (0..<stores).map { _ in StoreID() }
        append(
            .requested(
                .init(
                    rollout: "r1", action: action, change: action == .update ? StoreChange(wordpressVersion: "7.2.0") : nil,
                    selector: .init(), stores: ids, waves: RolloutPlanner.waveSizes(waves, total: stores),
                    waveSpec: waves.map(\.description), maxFailures: maxFailures, pauseBetweenMs: pauseMs, by: "alice")))
    }

    var state: RolloutState { try! RolloutState.fold(recorded)! }
    var next: RolloutPlanner.Action { RolloutPlanner.next(state, now: now) }

    mutating func append(_ event: RolloutEvent) {
        let new = event.newEvent(metadata: EventMetadata(actor: "alice"))
        let version = Int64(recorded.count + 1)
        recorded.append(
            RecordedEvent(
                id: new.id, streamID: RolloutEvent.streamID("r1"), version: version,
                cursor: LogCursor(transactionID: UInt64(version), position: version), type: new.type, data: new.data,
                metadata: new.metadata, recordedAt: now))
    }

    /// Performs what the planner asks (a wave's stores fail when `fails` says so; `failed`
    /// stores changed but failed their canary when `canaryOnly`), until it asks for nothing new.
    mutating func step(fails: (StoreID) -> Bool = { _ in false }, canaryOnly: Bool = false) -> RolloutPlanner.Action {
        let action = next
        switch action {
        case .startWave(let wave, let ids):
            append(.waveStarted(.init(wave: wave, stores: ids.map { .init(store: $0, from: nil) })))
        case .runWave(let wave, let ids):
            append(
                .waveFinished(
                    .init(
                        wave: wave,
                        results: ids.map { id in
                            let failed = fails(id)
                            return .init(
                                store: id, outcome: failed ? .failed : .succeeded, operation: "op-\(id)",
                                reason: failed ? "boom" : nil, changed: !failed || canaryOnly, canary: failed ? .failed : .passed)
                        })))
        case .halt(let wave, let failures):
            append(.halted(.init(wave: wave, failures: failures, maxFailures: state.request.maxFailures)))
        case .startRollback(let wave, let ids):
            append(.rollbackStarted(.init(wave: wave, stores: ids.map { .init(store: $0, from: nil) })))
        case .runRollback(let wave, let ids):
            append(
                .rollbackFinished(
                    .init(
                        wave: wave,
                        results: ids.map { .init(store: $0, outcome: .succeeded, operation: "undo", reason: nil, changed: true, canary: nil) })))
        case .complete(let outcome):
            append(.completed(.init(outcome: outcome, changed: 0, failed: state.failures)))
        case .wait, .idle, .none:
            break
        }
        return action
    }
}

@Suite("The rollout planner")
struct RolloutPlannerTests {
    @Test func wavesComeFromCumulativeCountsAndPercentages() {
        let usual = RolloutPlanner.defaultWaves
        #expect(RolloutPlanner.waveSizes(usual, total: 200) == [1, 19, 80, 100])
        #expect(RolloutPlanner.waveSizes(usual, total: 1000) == [1, 99, 400, 500])
        // 10% of 5 is one store, already done by the first wave: that step adds nothing.
        #expect(RolloutPlanner.waveSizes(usual, total: 5) == [1, 2, 2])
        #expect(RolloutPlanner.waveSizes(usual, total: 1) == [1])
        #expect(RolloutPlanner.waveSizes(usual, total: 0) == [])
        // Stores the last step leaves out make a final wave.
        #expect(RolloutPlanner.waveSizes([.count(1), .percent(10)], total: 100) == [1, 9, 90])
        #expect(RolloutPlanner.waveSizes([.count(5), .count(3), .percent(100)], total: 12) == [5, 7])
    }

    @Test func aRolloutWithoutFailuresRunsEveryWaveInOrderAndSucceeds() {
        var log = RolloutLog(200)
        var actions: [String] = []
        while true {
            let action = log.step()
            if action == .none { break }
            switch action {
            case .startWave(let wave, let ids): actions.append("start \(wave) (\(ids.count))")
            case .runWave(let wave, _): actions.append("run \(wave)")
            case .complete(let outcome): actions.append("complete \(outcome.rawValue)")
            default: actions.append("\(action)")
            }
        }
        #expect(
            actions == [
                "start 0 (1)", "run 0", "start 1 (19)", "run 1", "start 2 (80)", "run 2", "start 3 (100)", "run 3",
                "complete succeeded",
            ])
        #expect(log.state.status == .succeeded)
        #expect(log.state.stores.allSatisfy { $0.phase == .succeeded })
    }

    @Test func failuresUpToTheLimitDoNotHaltButOneMoreHaltsAndRollsBackExactlyThatWave() {
        var log = RolloutLog(200, maxFailures: 2)
        let waves = log.state.waves
        // Wave 1 loses one store (1 ≤ 2, goes on); wave 2 loses two (3 > 2, halts).
        let failing: Set<StoreID> = [waves[1][3], waves[2][0], waves[2][40]]
        var rolledBack: [StoreID] = []
        while true {
            let action = log.step(fails: { failing.contains($0) })
            if case .runRollback(_, let ids) = action { rolledBack = ids }
            if action == .none { break }
        }
        let state = log.state
        #expect(state.status == .halted)
        #expect(state.halted?.wave == 2)
        #expect(state.failures == 3)
        #expect(state.startedWaves == 3, "wave 3 never started")
        // Exactly the stores of the halted wave that changed are rolled back: none of wave 0 or 1.
        #expect(Set(rolledBack) == Set(waves[2]).subtracting(failing))
        #expect(state.stores.filter { $0.phase == .rolledBack }.map(\.store).sorted() == Set(waves[2]).subtracting(failing).sorted())
        #expect(state.stores.filter { $0.wave == 3 }.allSatisfy { $0.phase == .pending })
        #expect(state.stores.filter { $0.wave < 2 && !failing.contains($0.store) }.allSatisfy { $0.phase == .succeeded })
    }

    @Test func aStoreThatChangedButFailedItsCanaryIsRolledBackToo() {
        var log = RolloutLog(10, waves: [.count(2), .percent(100)], maxFailures: 0)
        let wave0 = log.state.waves[0]
        var rolledBack: [StoreID] = []
        while true {
            let action = log.step(fails: { $0 == wave0[1] }, canaryOnly: true)
            if case .runRollback(_, let ids) = action { rolledBack = ids }
            if action == .none { break }
        }
        #expect(Set(rolledBack) == Set(wave0))
        #expect(log.state.status == .halted)
    }

    @Test func aHaltedDeletionStopsWithoutRollback() {
        var log = RolloutLog(10, waves: [.count(2), .percent(100)], maxFailures: 0, action: .delete)
        let first = log.state.waves[0][0]
        var sawRollback = false
        while true {
            let action = log.step(fails: { $0 == first })
            if case .startRollback = action { sawRollback = true }
            if action == .none { break }
        }
        #expect(!sawRollback)
        #expect(log.state.status == .halted)
        #expect(log.state.startedWaves == 1)
    }

    @Test func pauseLetsTheWaveInFlightFinishThenStartsNothingUntilResumed() {
        var log = RolloutLog(20)
        _ = log.step()  // wave 0 started
        log.append(.paused(.init(by: "bob")))
        guard case .runWave(0, _) = log.next else {
            Issue.record("the wave in flight must finish, got \(log.next)")
            return
        }
        _ = log.step()
        #expect(log.next == .idle)
        #expect(log.state.status == .paused)
        log.append(.resumed(.init(by: "bob")))
        guard case .startWave(1, _) = log.next else {
            Issue.record("resume starts the next wave, got \(log.next)")
            return
        }
    }

    @Test func abortEndsAfterTheWaveInFlightWithoutRollingBack() {
        var log = RolloutLog(20)
        _ = log.step()
        log.append(.abortRequested(.init(by: "bob")))
        guard case .runWave(0, _) = log.step() else {
            Issue.record("the wave in flight must finish")
            return
        }
        #expect(log.next == .complete(.aborted))
        _ = log.step()
        #expect(log.state.status == .aborted)
        #expect(log.state.stores.filter { $0.wave > 0 }.allSatisfy { $0.phase == .pending })
    }

    @Test func thePauseBetweenWavesIsAWaitUntilItsEnd() {
        var log = RolloutLog(20, pauseMs: 600_000)
        _ = log.step()
        _ = log.step()  // wave 0 finished at `now`
        let end = log.now.addingTimeInterval(600)
        #expect(log.next == .wait(until: end))
        log.now = end
        guard case .startWave(1, _) = log.next else {
            Issue.record("after the pause the next wave starts, got \(log.next)")
            return
        }
    }

    @Test func afterACrashMidWaveTheFoldedStreamRunsThatSameWaveAgain() {
        var log = RolloutLog(200)
        _ = log.step()
        _ = log.step()
        _ = log.step()  // wave 1 started, the process dies before its results are recorded
        let wave1 = log.state.waves[1]
        // A new process folds the stream from its wire form.
        let resumed = try! RolloutState.fold(log.recorded)!
        #expect(RolloutPlanner.next(resumed, now: log.now) == .runWave(1, wave1))
        #expect(resumed.stores.filter { $0.wave == 1 }.allSatisfy { $0.phase == .running })
        #expect(resumed.stores.filter { $0.wave == 0 }.allSatisfy { $0.phase == .succeeded })
    }

    @Test func aCrashDuringTheRollbackRunsTheRollbackAgain() {
        var log = RolloutLog(20, waves: [.count(4), .percent(100)], maxFailures: 0)
        let wave0 = log.state.waves[0]
        while true {
            let action = log.step(fails: { $0 == wave0[0] })
            if case .startRollback = action { break }
        }
        let resumed = try! RolloutState.fold(log.recorded)!
        #expect(RolloutPlanner.next(resumed, now: log.now) == .runRollback(wave: 0, Array(wave0.dropFirst())))
    }

    @Test func aBigWavesResultsAreSplitIntoEventsThatFitAndFoldToEveryStore() throws {
        var log = RolloutLog(1000)
        let ids = log.state.waves[3]
        #expect(ids.count == 500)
        let results = ids.map {
            RolloutEvent.StoreResult(store: $0, outcome: .succeeded, operation: "op-\($0)", reason: nil, changed: true, canary: .passed)
        }
        let events = RolloutEvent.results(3, results, settled: { .storesSettled($0) }, finished: { .waveFinished($0) })
        #expect(events.map(\.kind) == [.storesSettled, .storesSettled, .waveFinished])
        for event in events {
            #expect(event.newEvent(metadata: EventMetadata(actor: "a")).data.utf8.count < 64 * 1024)
        }
        for index in 0..<3 {
            log.append(.waveStarted(.init(wave: index, stores: log.state.waves[index].map { .init(store: $0, from: nil) })))
            log.append(.waveFinished(.init(wave: index, results: [])))
        }
        log.append(.waveStarted(.init(wave: 3, stores: ids.map { .init(store: $0, from: nil) })))
        for event in events { log.append(event) }
        #expect(log.state.finishedWaves == 4)
        #expect(log.state.stores.filter { $0.wave == 3 }.allSatisfy { $0.phase == .succeeded && $0.canary == .passed })
        #expect(log.next == .complete(.succeeded))
    }
}
