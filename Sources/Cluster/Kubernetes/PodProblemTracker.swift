import Provisioning

/// Remembers since when each pod problem has been seen and decides when it is bad enough to
/// end the wait: an image that cannot be pulled past its grace period is permanent (with the
/// image's name), a crash loop past its grace is transient, an invalid image name at once.
struct PodProblemTracker: Sendable {
    enum Verdict: Sendable, Hashable {
        /// Nothing to act on now; look again at `recheck` if given.
        case keepWaiting(recheck: ContinuousClock.Instant?)
        case fail(ClusterError)
    }

    let settings: ReadinessSettings
    private var firstSeen: [String: ContinuousClock.Instant] = [:]
    private(set) var current: [PodProblem] = []

    init(settings: ReadinessSettings) {
        self.settings = settings
    }

    /// Takes the pods' latest problems (nil: no news, just re-evaluate at `now`).
    mutating func update(_ problems: [PodProblem]?, now: ContinuousClock.Instant, workload: String) -> Verdict {
        if let problems {
            let keys = Set(problems.map(\.key))
            firstSeen = firstSeen.filter { keys.contains($0.key) }
            for problem in problems where firstSeen[problem.key] == nil { firstSeen[problem.key] = now }
            current = problems
        }
        var recheck: ContinuousClock.Instant?
        for problem in current {
            let since = firstSeen[problem.key] ?? now
            let grace: Duration
            let kind: ClusterError.Kind
            switch problem.kind {
            case .invalidImage:
                return .fail(.permanent("\(workload) cannot start: \(problem.summary)"))
            case .imagePull:
                (grace, kind) = (settings.imagePullGrace, .permanent)
            case .configuration:
                (grace, kind) = (settings.configurationGrace, .permanent)
            case .crashLoop:
                guard problem.restarts >= settings.crashLoopRestarts else { continue }
                (grace, kind) = (settings.crashLoopGrace, .transient)
            }
            if now - since >= grace {
                let verb = problem.kind == .imagePull ? "cannot pull its image" : problem.kind == .crashLoop ? "keeps crashing" : "cannot start"
                return .fail(ClusterError(kind, "\(workload) \(verb) for \(Self.format(now - since)): \(problem.summary)"))
            }
            let due = since + grace
            recheck = min(recheck ?? due, due)
        }
        return .keepWaiting(recheck: recheck)
    }

    /// The problems as one line, for a waiting message.
    var summary: String? {
        current.isEmpty ? nil : current.map(\.summary).joined(separator: "; ")
    }

    static func format(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        return seconds >= 120 ? "\(seconds / 60)m\(seconds % 60)s" : "\(seconds)s"
    }
}
