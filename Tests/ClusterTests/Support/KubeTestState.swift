import Cluster
import Foundation

/// The Kubernetes API test server's cluster: objects, resource versions, an event log that
/// watches replay and follow, injected faults, and a log of every request. Tests change
/// statuses through it (StatefulSet ready, Job failed, pods in ImagePullBackOff, ...).
actor KubeTestState {
    struct Key: Hashable, Sendable {
        var resource: String
        var namespace: String?
        var name: String
    }

    struct Event: Sendable {
        var version: Int
        var key: Key
        var type: String
        var object: JSONValue
    }

    struct RecordedRequest: Sendable {
        var method: String
        var path: String
        var query: [String: String]
        var body: String
        /// "token", "certificate" or "none".
        var authentication: String
        var status: Int = 0
    }

    struct Fault: Sendable {
        var method: String?
        var pathPrefix: String
        var status: Int
        var remaining: Int
        var message: String
    }

    /// What the simulated controllers do when the helm stand-in creates workloads.
    struct Controllers: Sendable {
        var readyAfter: Duration? = .milliseconds(150)
        /// nil: the Job completes; otherwise it fails with this message.
        var jobFailure: String?
        /// A waiting reason put on the pods (e.g. "ImagePullBackOff") instead of running them.
        var podProblem: String?
    }

    private(set) var objects: [Key: JSONValue] = [:]
    private(set) var version = 1000
    private var events: [Event] = []
    private var compactedBelow = 0
    private var watchers: [UUID: Watcher] = [:]
    private var faults: [Fault] = []
    private(set) var requests: [RecordedRequest] = []
    var tokens: Set<String> = ["test-token"]
    var namespaceDeletionDelay: Duration? = .milliseconds(200)
    var controllers = Controllers()
    /// What a Job's pod writes to its termination message when the Job completes (nil: none),
    /// computed from the Job (its env): the test plays the Job's scripts.
    var jobResult: (@Sendable (JSONValue) -> String?)?
    /// The longest the server keeps a watch open (shorter than the client asks: reconnects).
    var maxWatch: Duration = .seconds(30)
    var bookmarkInterval: Duration = .milliseconds(250)
    /// true: a too-old resourceVersion gets HTTP 410; false: an ERROR event with code 410.
    var goneAsHTTPStatus = false

    private struct Watcher {
        var resource: String
        var namespace: String?
        var selector: Selector
        var continuation: AsyncStream<String>.Continuation
    }

    struct Selector: Sendable {
        var fields: [String: String] = [:]
        var labels: [String: String] = [:]

        init(fieldSelector: String?, labelSelector: String?) {
            fields = Self.pairs(fieldSelector)
            labels = Self.pairs(labelSelector)
        }

        static func pairs(_ text: String?) -> [String: String] {
            var result: [String: String] = [:]
            for part in (text ?? "").split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { result[pair[0]] = pair[1] }
            }
            return result
        }

        func matches(_ object: JSONValue) -> Bool {
            for (field, value) in fields {
                switch field {
                case "metadata.name": if object.name != value { return false }
                case "metadata.namespace": if object[path: "metadata", "namespace"]?.string != value { return false }
                default: return false
                }
            }
            let labels = object.labels
            return self.labels.allSatisfy { labels[$0.key] == $0.value }
        }
    }

    // MARK: Configuration by tests

    func configure(_ change: (KubeTestState) -> Void) { change(self) }
    func setControllers(_ controllers: Controllers) { self.controllers = controllers }
    func setJobResult(_ result: (@Sendable (JSONValue) -> String?)?) { jobResult = result }
    /// Jobs whose name starts with the key fail with the value (their pod's message too).
    private var jobFailures: [String: String] = [:]
    func setJobFailure(forJobsNamed prefix: String, _ message: String) { jobFailures[prefix] = message }
    /// Like RBAC with k8s/rbac.yaml: inside a namespace, the test identities may do nothing until
    /// a RoleBinding `urumi` exists there (the namespace step creates it).
    private(set) var storeRBAC = false
    func setStoreRBAC(_ enforced: Bool) { storeRBAC = enforced }
    private(set) var mayCreateNamespaces = true
    func setMayCreateNamespaces(_ value: Bool) { mayCreateNamespaces = value }
    func mayWorkIn(_ namespace: String) -> Bool {
        if namespace.isEmpty { return mayCreateNamespaces }
        return !storeRBAC || objects[Key(resource: "rolebindings", namespace: namespace, name: "urumi")] != nil
    }
    func setNamespaceDeletionDelay(_ delay: Duration?) { namespaceDeletionDelay = delay }
    func setMaxWatch(_ duration: Duration) { maxWatch = duration }
    func setGoneAsHTTPStatus(_ value: Bool) { goneAsHTTPStatus = value }
    func setTokens(_ tokens: Set<String>) { self.tokens = tokens }

    /// The next `times` requests whose path starts with `pathPrefix` get `status`.
    func inject(_ status: Int, method: String? = nil, pathPrefix: String = "/", times: Int = 1, message: String = "injected") {
        faults.append(Fault(method: method, pathPrefix: pathPrefix, status: status, remaining: times, message: message))
    }

    func takeFault(method: String, path: String) -> Fault? {
        guard let index = faults.firstIndex(where: { ($0.method == nil || $0.method == method) && path.hasPrefix($0.pathPrefix) && $0.remaining > 0 })
        else { return nil }
        faults[index].remaining -= 1
        let fault = faults[index]
        if fault.remaining == 0 { faults.remove(at: index) }
        return fault
    }

    func record(_ request: RecordedRequest) -> Int {
        requests.append(request)
        return requests.count - 1
    }

    func setStatus(of index: Int, _ status: Int) {
        if requests.indices.contains(index) { requests[index].status = status }
    }

    // MARK: Objects

    func get(_ resource: String, _ namespace: String?, _ name: String) -> JSONValue? {
        objects[Key(resource: resource, namespace: namespace, name: name)]
    }

    func list(_ resource: String, _ namespace: String?, _ selector: Selector) -> (items: [JSONValue], version: Int) {
        let items = objects.filter { $0.key.resource == resource && (namespace == nil || $0.key.namespace == namespace) }
            .map(\.value).filter(selector.matches).sorted { $0.name < $1.name }
        return (items, version)
    }

    /// Creates an object (fills uid, resourceVersion, generation, creationTimestamp).
    @discardableResult
    func create(_ resource: String, _ namespace: String?, _ object: JSONValue) -> JSONValue {
        var object = object
        object.set("metadata", "uid", to: .string(UUID().uuidString.lowercased()))
        object.set("metadata", "generation", to: 1)
        object.set("metadata", "creationTimestamp", to: .string(ISO8601DateFormatter().string(from: Date())))
        if let namespace { object.set("metadata", "namespace", to: .string(namespace)) }
        return store(Key(resource: resource, namespace: namespace, name: object.name), object, type: "ADDED")
    }

    /// Changes an object (a status change: MODIFIED).
    @discardableResult
    func update(_ resource: String, _ namespace: String?, _ name: String, _ change: (inout JSONValue) -> Void) -> JSONValue? {
        let key = Key(resource: resource, namespace: namespace, name: name)
        guard var object = objects[key] else { return nil }
        change(&object)
        return store(key, object, type: "MODIFIED")
    }

    /// Replaces an object's spec and labels: a changed spec bumps `metadata.generation` and the
    /// controllers settle the object again after their delay.
    func replaceSpec(_ resource: String, _ namespace: String, _ name: String, with new: JSONValue) -> JSONValue? {
        guard let current = objects[Key(resource: resource, namespace: namespace, name: name)] else { return nil }
        let changed = current["spec"] != new["spec"]
        let result = update(resource, namespace, name) { object in
            if let spec = new["spec"] { object.set("spec", to: spec) }
            if let labels = new[path: "metadata", "labels"] { object.set("metadata", "labels", to: labels) }
            if changed { object.set("metadata", "generation", to: .number(Double((object[path: "metadata", "generation"]?.int ?? 1) + 1))) }
        }
        if changed, let delay = controllers.readyAfter {
            let jobFailure = controllers.jobFailure
            Task {
                try? await Task.sleep(for: delay)
                self.settle(resource, namespace, name, jobFailure: jobFailure)
            }
        }
        return result
    }

    func remove(_ resource: String, _ namespace: String?, _ name: String) {
        let key = Key(resource: resource, namespace: namespace, name: name)
        guard var object = objects.removeValue(forKey: key) else { return }
        version += 1
        object.set("metadata", "resourceVersion", to: .string(String(version)))
        emit(Event(version: version, key: key, type: "DELETED", object: object))
    }

    private func store(_ key: Key, _ object: JSONValue, type: String) -> JSONValue {
        version += 1
        var object = object
        object.set("metadata", "resourceVersion", to: .string(String(version)))
        objects[key] = object
        emit(Event(version: version, key: key, type: type, object: object))
        return object
    }

    private func emit(_ event: Event) {
        events.append(event)
        for watcher in watchers.values where watcher.resource == event.key.resource
            && (watcher.namespace == nil || watcher.namespace == event.key.namespace) && watcher.selector.matches(event.object)
        {
            watcher.continuation.yield(Self.line(event.type, event.object))
        }
    }

    static func line(_ type: String, _ object: JSONValue) -> String {
        (["type": .string(type), "object": object] as JSONValue).compactText + "\n"
    }

    // MARK: Watches

    enum WatchStart {
        case gone
        case stream(id: UUID, backlog: [String], lines: AsyncStream<String>)
    }

    /// Registers a watch from `from` (a resourceVersion): the events after it, then live ones.
    func watch(_ resource: String, _ namespace: String?, _ selector: Selector, from: Int) -> WatchStart {
        if from < compactedBelow { return .gone }
        let backlog = events.filter {
            $0.version > from && $0.key.resource == resource && (namespace == nil || $0.key.namespace == namespace)
                && selector.matches($0.object)
        }.map { Self.line($0.type, $0.object) }
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        let id = UUID()
        watchers[id] = Watcher(resource: resource, namespace: namespace, selector: selector, continuation: continuation)
        return .stream(id: id, backlog: backlog, lines: lines)
    }

    /// A BOOKMARK with the current version, sent down the watch's own channel: after every
    /// event it was sent before (as the API server guarantees), so a client that resumes from
    /// a bookmark's version never skips an event still on its way.
    func bookmark(_ id: UUID) {
        watchers[id]?.continuation.yield(Self.line("BOOKMARK", ["kind": "Object", "metadata": ["resourceVersion": .string(String(version))]]))
    }

    func endWatch(_ id: UUID) {
        watchers.removeValue(forKey: id)?.continuation.finish()
    }

    /// Forgets the event history (as etcd compaction does) and closes every open watch: clients
    /// that reconnect from their last version get 410 Gone and must relist.
    func compactAndDropWatches() {
        compactedBelow = version + 1
        for watcher in watchers.values { watcher.continuation.finish() }
        watchers.removeAll()
    }

    var openWatches: Int { watchers.count }

    func closeWatches() {
        for watcher in watchers.values { watcher.continuation.finish() }
        watchers.removeAll()
    }

    // MARK: Namespaces

    /// Marks the namespace Terminating and, after the deletion delay, removes it and everything
    /// in it (as the namespace controller does).
    func beginNamespaceDeletion(_ name: String) -> JSONValue? {
        let result = update("namespaces", nil, name) { namespace in
            namespace.set("status", "phase", to: "Terminating")
            namespace.set("metadata", "deletionTimestamp", to: .string(ISO8601DateFormatter().string(from: Date())))
        }
        if let delay = namespaceDeletionDelay {
            Task {
                try? await Task.sleep(for: delay)
                self.finishNamespaceDeletion(name)
            }
        }
        return result
    }

    func finishNamespaceDeletion(_ name: String) {
        for key in objects.keys where key.namespace == name { remove(key.resource, key.namespace, key.name) }
        remove("namespaces", nil, name)
    }

    // MARK: Controllers

    /// What the cluster's controllers would do after a workload is created by the stand-in.
    func workloadCreated(_ resource: String, _ namespace: String, _ object: JSONValue) {
        let controllers = self.controllers
        let name = object.name
        var templateLabels = (object[path: "spec", "template", "metadata", "labels"]?.object ?? [:])
        // As the Job controller does: its pods carry the Job's name.
        if resource == "jobs" { templateLabels["batch.kubernetes.io/job-name"] = .string(name) }
        var pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string("\(name)-0"), "labels": .object(templateLabels)]]
        let image = object[path: "spec", "template", "spec", "containers"]?.array?.first?["image"]?.string ?? "busybox"
        if let problem = controllers.podProblem {
            pod.set("status", "containerStatuses", to: [
                ["name": "main", "image": .string(image), "restartCount": 0, "ready": false,
                 "state": ["waiting": ["reason": .string(problem), "message": .string("Back-off pulling image \"\(image)\"")]]],
            ])
            create("pods", namespace, pod)
            return
        }
        pod.set("status", "phase", to: "Running")
        create("pods", namespace, pod)
        guard let delay = controllers.readyAfter else { return }
        Task {
            try? await Task.sleep(for: delay)
            let named = self.jobFailures.first { name.hasPrefix($0.key) }?.value
            self.settle(resource, namespace, name, jobFailure: controllers.jobFailure ?? named, podMessageOnFailure: named != nil)
        }
    }

    /// Puts a workload in its final state: ready, available, complete or failed.
    /// `podMessageOnFailure`: a failing Job's pod says why in its termination message (the
    /// per-name failures; a test that writes the pod's statuses itself keeps them).
    func settle(_ resource: String, _ namespace: String, _ name: String, jobFailure: String? = nil, podMessageOnFailure: Bool = false) {
        update(resource, namespace, name) { object in
            let generation = object[path: "metadata", "generation"] ?? 1
            switch resource {
            case "statefulsets":
                object.set("status", "observedGeneration", to: generation)
                object.set("status", "readyReplicas", to: object[path: "spec", "replicas"] ?? 1)
                object.set("status", "replicas", to: object[path: "spec", "replicas"] ?? 1)
                object.set("status", "updatedReplicas", to: object[path: "spec", "replicas"] ?? 1)
                object.set("status", "currentRevision", to: .string("\(name)-rev\(generation)"))
                object.set("status", "updateRevision", to: .string("\(name)-rev\(generation)"))
            case "deployments":
                let replicas = object[path: "spec", "replicas"] ?? 1
                object.set("status", "observedGeneration", to: generation)
                object.set("status", "readyReplicas", to: replicas)
                object.set("status", "availableReplicas", to: replicas)
                object.set("status", "updatedReplicas", to: replicas)
                object.set("status", "replicas", to: replicas)
                object.set("status", "conditions", to: [["type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"]])
            case "jobs":
                let message = jobFailure.map { podMessageOnFailure ? $0 : nil } ?? jobResult?(object)
                if let message {
                    let failed = jobFailure != nil
                    update("pods", namespace, "\(name)-0") { pod in
                        pod.set("status", "phase", to: .string(failed ? "Failed" : "Succeeded"))
                        pod.set("status", "containerStatuses", to: [
                            ["name": "main", "state": ["terminated": ["exitCode": failed ? 1 : 0, "message": .string(message)]]],
                        ])
                    }
                }
                if let jobFailure {
                    object.set("status", "failed", to: 4)
                    object.set("status", "conditions", to: [
                        ["type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": .string(jobFailure)],
                    ])
                } else {
                    object.set("status", "succeeded", to: 1)
                    object.set("status", "completionTime", to: .string(ISO8601DateFormatter().string(from: Date())))
                    object.set("status", "conditions", to: [["type": "Complete", "status": "True"]])
                }
            default: break
            }
        }
    }
}
