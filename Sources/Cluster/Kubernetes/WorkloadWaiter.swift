import Provisioning

/// Waits until a workload is ready by watching it and its pods (never by tight polling). While
/// it waits, pod problems (image pulls, crash loops, bad configuration) that last past their
/// grace period end the wait with an error that says what is wrong.
struct WorkloadWaiter: Sendable {
    let client: KubernetesClient
    let settings: ReadinessSettings

    private enum Signal: Sendable {
        case workload((name: String, object: JSONValue)?)
        case pods([JSONValue])
        case recheck
        case giveUp
        case failed(any Error)
    }

    func wait(for workload: Workload) async throws -> [String: String] {
        let (signals, continuation) = AsyncStream.makeStream(of: Signal.self)
        let client = self.client
        let settings = self.settings
        let objectQuery = workload.query
        let podQuery = ResourceQuery(
            path: "/api/v1/namespaces/\(workload.namespace)/pods", labelSelector: workload.podSelector,
            description: "pods of \(workload.description)")
        return try await withThrowingTaskGroup(of: Void.self) { group in
            defer {
                group.cancelAll()
                continuation.finish()
            }
            group.addTask {
                do {
                    try await client.follow(objectQuery, watchSeconds: settings.watchSeconds) { objects in
                        continuation.yield(.workload(workload.pick(from: objects)))
                    }
                } catch { continuation.yield(.failed(error)) }
            }
            group.addTask {
                do {
                    try await client.follow(podQuery, watchSeconds: settings.watchSeconds) { objects in
                        continuation.yield(.pods(objects.keys.sorted().compactMap { objects[$0] }))
                    }
                } catch { continuation.yield(.failed(error)) }
            }
            if let limit = settings.giveUpAfter {
                group.addTask {
                    try? await Task.sleep(for: limit)
                    continuation.yield(.giveUp)
                }
            }
            var lastWaiting = "nothing seen yet"
            var picked: (name: String, object: JSONValue)?
            var allPods: [JSONValue] = []
            var tracker = PodProblemTracker(settings: settings)
            var armed: ContinuousClock.Instant?
            for await signal in signals {
                var problems: [PodProblem]?
                switch signal {
                case .workload(let next):
                    picked = next
                    problems = PodProblem.find(in: workload.pods(allPods, of: picked?.name))
                case .pods(let next):
                    allPods = next
                    problems = PodProblem.find(in: workload.pods(next, of: picked?.name))
                case .recheck: armed = nil
                case .giveUp:
                    let pods = workload.pods(allPods, of: picked?.name)
                    let notes = PodProblem.find(in: pods).map(\.summary) + PodProblem.pendingNotes(in: pods)
                    let seen = notes.isEmpty ? "" : "; " + notes.prefix(3).joined(separator: "; ")
                    throw ClusterError.permanent(
                        "\(workload.description) not ready after \(settings.giveUpAfter ?? .zero): \(lastWaiting)\(seen)")
                case .failed(let error):
                    throw error
                }
                let pods = workload.pods(allPods, of: picked?.name)
                switch workload.readiness(picked?.object) {
                case .ready(let details):
                    return details.merging([workload.kind.rawValue.lowercased(): picked?.name ?? ""]) { first, _ in first }
                case .failed(let why):
                    let name = picked.map { "\(workload.kind.rawValue) \($0.name)" } ?? workload.description
                    var message = "\(name) \(why)"
                    if workload.kind == .job,
                       let last = PodProblem.lastFailure(in: workload.pods(await latestPods(podQuery, seen: pods), of: picked?.name)) {
                        message += "; \(last)"
                    }
                    throw ClusterError.permanent(message)
                case .waiting(let why):
                    lastWaiting = why
                }
                switch tracker.update(problems, now: .now, workload: workload.description) {
                case .fail(let error):
                    throw error
                case .keepWaiting(let recheck):
                    // One timer at a time, for the earliest grace period that may run out.
                    if let recheck, armed.map({ recheck < $0 }) ?? true {
                        armed = recheck
                        group.addTask {
                            try? await Task.sleep(until: recheck, clock: .continuous)
                            continuation.yield(.recheck)
                        }
                    }
                }
            }
            throw CancellationError()
        }
    }

    /// The pods as the API has them now (the pod watch may lag the Job's own); `seen` if the
    /// list fails, since this only adds detail to an error.
    private func latestPods(_ query: ResourceQuery, seen: [JSONValue]) async -> [JSONValue] {
        let listed = try? await client.send(.GET, query.path, query: query.selectors, operation: "list \(query.description)")
        return listed?["items"]?.array ?? seen
    }
}
