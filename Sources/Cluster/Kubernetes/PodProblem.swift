/// Something visibly wrong with a pod of a workload, read from its container statuses.
struct PodProblem: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        /// ErrImagePull / ImagePullBackOff: the image cannot be pulled (yet).
        case imagePull
        /// InvalidImageName: it never will be.
        case invalidImage
        /// CreateContainerConfigError: a missing Secret or ConfigMap key, and the like.
        case configuration
        /// CrashLoopBackOff: the container starts and dies.
        case crashLoop
    }

    var kind: Kind
    var pod: String
    var container: String
    /// The waiting reason as Kubernetes says it.
    var reason: String
    var message: String?
    var image: String?
    var restarts: Int
    /// How the container last ended (`Error, exit 1`), for crash loops.
    var lastTermination: String?

    /// Identifies the problem across updates (ErrImagePull and ImagePullBackOff alternate).
    var key: String { "\(pod)/\(container)/\(kind.rawValue)" }

    var summary: String {
        var text = "pod \(pod) container \(container): \(reason)"
        if let message, !message.isEmpty { text += " (\(message.prefix(300)))" }
        if kind == .imagePull || kind == .invalidImage, let image { text += ", image \(image)" }
        if kind == .crashLoop {
            text += ", \(restarts) restarts"
            if let lastTermination { text += ", last exit: \(lastTermination)" }
        }
        return text
    }

    /// Why pods are not running yet, for a wait that gives up: a pod the scheduler cannot
    /// place (`PodScheduled=False`, e.g. "0/3 nodes are available: 3 Insufficient memory"),
    /// or containers still waiting (`ContainerCreating`, `PodInitializing`, a pull in progress).
    static func pendingNotes(in pods: [JSONValue]) -> [String] {
        var notes: [String] = []
        for pod in pods {
            let name = pod[path: "metadata", "name"]?.string ?? "?"
            let conditions = pod[path: "status", "conditions"]?.array ?? []
            if let scheduled = conditions.first(where: { $0["type"]?.string == "PodScheduled" }),
                scheduled["status"]?.string == "False"
            {
                let reason = scheduled["reason"]?.string ?? "not scheduled"
                let message = scheduled["message"]?.string.map { ": \($0.prefix(300))" } ?? ""
                notes.append("pod \(name) \(reason)\(message)")
                continue
            }
            let statuses = (pod[path: "status", "initContainerStatuses"]?.array ?? []) + (pod[path: "status", "containerStatuses"]?.array ?? [])
            for status in statuses {
                guard let waiting = status[path: "state", "waiting"], let reason = waiting["reason"]?.string else { continue }
                let message = waiting["message"]?.string.map { " (\($0.prefix(200)))" } ?? ""
                notes.append("pod \(name) container \(status["name"]?.string ?? "?") \(reason)\(message)")
            }
            if statuses.isEmpty, let phase = pod[path: "status", "phase"]?.string, phase != "Running", phase != "Succeeded" {
                notes.append("pod \(name) \(phase)")
            }
        }
        return notes
    }

    /// The problems of these pods' containers (init containers included).
    static func find(in pods: [JSONValue]) -> [PodProblem] {
        var problems: [PodProblem] = []
        for pod in pods {
            let name = pod[path: "metadata", "name"]?.string ?? "?"
            let statuses =
                (pod[path: "status", "initContainerStatuses"]?.array ?? [])
                + (pod[path: "status", "containerStatuses"]?.array ?? [])
            for status in statuses {
                guard let waiting = status[path: "state", "waiting"], let reason = waiting["reason"]?.string else { continue }
                let kind: Kind
                switch reason {
                case "ErrImagePull", "ImagePullBackOff": kind = .imagePull
                case "InvalidImageName": kind = .invalidImage
                case "CreateContainerConfigError", "CreateContainerError": kind = .configuration
                case "CrashLoopBackOff": kind = .crashLoop
                default: continue
                }
                var last: String?
                if let terminated = status[path: "lastState", "terminated"] {
                    last = "\(terminated["reason"]?.string ?? "terminated"), exit \(terminated["exitCode"]?.int ?? -1)"
                    if let message = terminated["message"]?.string, !message.isEmpty { last! += ": \(message.prefix(200))" }
                }
                problems.append(
                    PodProblem(
                        kind: kind, pod: name, container: status["name"]?.string ?? "?", reason: reason,
                        message: waiting["message"]?.string, image: status["image"]?.string,
                        restarts: status["restartCount"]?.int ?? 0, lastTermination: last))
            }
        }
        return problems.sorted { $0.key < $1.key }
    }

    /// How the most recent failed container of these pods ended (for a failed Job's message):
    /// the newest pod first (by creation time, then name), and in it the container named
    /// `preferredContainer` (the setup script's, whose termination message is its last log
    /// lines) before any other.
    static func lastFailure(in pods: [JSONValue], preferredContainer: String = "setup") -> String? {
        for pod in pods.sorted(by: { createdBefore($1, $0) }) {
            let rank = { (status: JSONValue) in status["name"]?.string == preferredContainer ? 0 : 1 }
            // Init containers too: a backup Job's steps run as init containers, and the one
            // that failed says why in its termination message.
            let statuses = ((pod[path: "status", "containerStatuses"]?.array ?? [])
                + (pod[path: "status", "initContainerStatuses"]?.array ?? [])).sorted { rank($0) < rank($1) }
            for status in statuses {
                guard let terminated = status[path: "state", "terminated"] ?? status[path: "lastState", "terminated"],
                    let code = terminated["exitCode"]?.int, code != 0
                else { continue }
                let name = pod[path: "metadata", "name"]?.string ?? "?"
                var text = "pod \(name) container \(status["name"]?.string ?? "?") exited \(code)"
                if let message = terminated["message"]?.string, !message.isEmpty { text += ": \(message.prefix(500))" }
                return text
            }
        }
        return nil
    }
}
