import EventStore
import Provisioning

extension KubernetesClient {
    /// Follows a collection with list + watch and calls `snapshot` with its objects (by name)
    /// after the list and after every change. The watch starts from the list's
    /// resourceVersion with bookmarks; when the server ends the stream it reconnects from the
    /// last version seen; 410 Gone (the version is too old) relists. Runs until `snapshot`
    /// throws, the task is cancelled, or the API fails for good. Broken connections are retried
    /// a few times with backoff before a transient error is thrown.
    func follow(
        _ query: ResourceQuery, watchSeconds: Int = 240,
        snapshot: ([String: JSONValue]) async throws -> Void
    ) async throws -> Never {
        var failures = 0
        relist: while true {
            let listed: JSONValue
            do {
                listed = try await send(.GET, query.path, query: query.selectors, operation: "list \(query.description)")
                failures = 0
            } catch let error as ClusterError where error.kind == .transient {
                failures += 1
                try await backoff(failures, error)
                continue relist
            } catch let error as KubernetesAPIError {
                let classified = KubernetesErrorClassifier.classify(error)
                guard classified.kind == .transient else { throw classified }
                failures += 1
                try await backoff(failures, classified)
                continue relist
            }
            var objects: [String: JSONValue] = [:]
            for item in listed["items"]?.array ?? [] {
                if let name = item[path: "metadata", "name"]?.string { objects[name] = item }
            }
            var version = listed[path: "metadata", "resourceVersion"]?.string ?? ""
            try await snapshot(objects)
            while true {
                var parameters = query.selectors
                parameters += [
                    ("watch", "1"), ("resourceVersion", version), ("allowWatchBookmarks", "true"),
                    ("timeoutSeconds", String(watchSeconds)),
                ]
                let opened = ContinuousClock.now
                var received = 0
                do {
                    try await watch(
                        query.path, query: parameters, timeout: .seconds(watchSeconds + 30),
                        operation: "watch \(query.description)"
                    ) { event in
                        failures = 0
                        received += 1
                        switch event.kind {
                        case .bookmark:
                            if let next = event.resourceVersion { version = next }
                            return true
                        case .error:
                            throw KubernetesAPIError(
                                code: event.object["code"]?.int ?? 500, reason: event.object["reason"]?.string,
                                message: event.object["message"]?.string, operation: "watch \(query.description)")
                        case .added, .modified:
                            if let next = event.resourceVersion { version = next }
                            if let name = event.object[path: "metadata", "name"]?.string { objects[name] = event.object }
                        case .deleted:
                            if let next = event.resourceVersion { version = next }
                            if let name = event.object[path: "metadata", "name"]?.string { objects[name] = nil }
                        }
                        try await snapshot(objects)
                        return true
                    }
                    // The server closed the stream (timeoutSeconds): reconnect from `version`. One
                    // that ends at once with nothing in it (a proxy cutting watches) is not
                    // reopened in a tight loop.
                    if received == 0, ContinuousClock.now - opened < .seconds(1) {
                        try await Task.sleep(for: .seconds(1))
                    }
                } catch let error as KubernetesAPIError where error.code == 410 {
                    continue relist
                } catch let error as KubernetesAPIError {
                    let classified = KubernetesErrorClassifier.classify(error)
                    guard classified.kind == .transient else { throw classified }
                    failures += 1
                    try await backoff(failures, classified)
                } catch let interrupted as WatchInterrupted {
                    failures += 1
                    try await backoff(failures, ClusterError.transient("watch \(query.description) broke: \(interrupted.reason)"))
                } catch let error as ClusterError where error.kind == .transient {
                    failures += 1
                    try await backoff(failures, error)
                }
            }
        }
    }

    /// Reopening a broken watch: 0.5 s, 1 s, 2 s, 4 s, then give up.
    static let rewatch = Backoff(baseDelay: .milliseconds(500), maxDelay: .seconds(4))

    /// Waits before the next attempt; after the fourth, gives up with `error`.
    private func backoff(_ failures: Int, _ error: ClusterError) async throws {
        guard failures <= 4 else { throw error }
        try await Self.rewatch.delay(afterAttempt: failures).sleep()
    }
}
