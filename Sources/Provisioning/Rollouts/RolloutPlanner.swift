import Foundation

/// The rollout's saga as a pure function: what to do next, from the rollout's state and the
/// time. The runner performs the action, records its outcome on the rollout's stream, and asks
/// again; after a crash it asks the state folded from the stream, so a wave in flight is
/// simply run again (its store operations are started with idempotency keys, so a repeat
/// finds them).
public enum RolloutPlanner {
    public enum Action: Sendable, Hashable {
        /// Record that the wave starts, with these stores.
        case startWave(Int, [StoreID])
        /// Start (again, idempotently) the wave's store operations, wait for their ends and
        /// their canaries, then record the wave's results.
        case runWave(Int, [StoreID])
        /// Over `maxFailures`: record the halt.
        case halt(wave: Int, failures: Int)
        /// Record that these stores (the halted wave's that changed) are rolled back.
        case startRollback(wave: Int, [StoreID])
        /// Run (again, idempotently) the rollback's inverse changes, then record their results.
        case runRollback(wave: Int, [StoreID])
        /// Nothing before this instant (the pause between waves).
        case wait(until: Date)
        /// Paused: nothing until resumed or aborted.
        case idle
        case complete(RolloutEvent.Completed.Outcome)
        /// Done.
        case none
    }

    public static func next(_ state: RolloutState, now: Date) -> Action {
        if state.completed != nil { return .none }
        // A wave in flight runs to its end whatever was asked meanwhile: its operations are
        // started, and only their ends say what the stores run.
        if let wave = state.waveInProgress { return .runWave(wave, state.waves[wave]) }
        if let halted = state.halted {
            let changed = state.stores.filter { $0.wave == halted.wave && $0.changed }.map(\.store)
            if state.request.action == .delete || changed.isEmpty { return .complete(.halted) }
            if !state.rollbackStarted { return .startRollback(wave: halted.wave, changed) }
            if !state.rollbackFinished { return .runRollback(wave: halted.wave, changed) }
            return .complete(.halted)
        }
        if state.finishedWaves > 0, state.failures > state.request.maxFailures {
            return .halt(wave: state.finishedWaves - 1, failures: state.failures)
        }
        if state.abortRequested { return .complete(.aborted) }
        if state.paused { return .idle }
        guard state.startedWaves < state.waves.count else { return .complete(.succeeded) }
        if let last = state.lastWaveFinishedAt, state.request.pauseBetweenMs > 0 {
            let until = last.addingTimeInterval(Double(state.request.pauseBetweenMs) / 1000)
            if until > now { return .wait(until: until) }
        }
        return .startWave(state.startedWaves, state.waves[state.startedWaves])
    }

    /// One step of a wave list as asked: a number of stores, or a percentage of the selection.
    public enum WaveStep: Sendable, Hashable {
        case count(Int)
        case percent(Double)

        public var description: String {
            switch self {
            case .count(let n): String(n)
            case .percent(let p): "\(p.formatted(.number.grouping(.never)))%"
            }
        }
    }

    /// The default waves: one store, then 10%, 50% and all of the selection.
    public static let defaultWaves: [WaveStep] = [.count(1), .percent(10), .percent(50), .percent(100)]

    /// The size of each wave for `total` stores. Steps are cumulative (`"50%"` means half of the
    /// selection has been done once the wave ends); a step that adds nothing is dropped, and
    /// stores the last step leaves out make a final wave.
    public static func waveSizes(_ steps: [WaveStep], total: Int) -> [Int] {
        var sizes: [Int] = []
        var done = 0
        for step in steps {
            let target: Int
            switch step {
            case .count(let n): target = min(total, max(0, n))
            case .percent(let p): target = min(total, Int((Double(total) * p / 100).rounded(.up)))
            }
            if target > done {
                sizes.append(target - done)
                done = target
            }
        }
        if done < total { sizes.append(total - done) }
        return sizes
    }
}
