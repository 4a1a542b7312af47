/// Compares what the log says about a store with what its cluster has. Pure.
public enum DriftDetector {
    /// The differences, in a stable order (release, revision, values by path, objects).
    /// `expectedRevision` nil (a store recorded before revisions were) compares no revision.
    /// A release that is not installed is one difference, plus the missing objects.
    public static func differences(
        expectedRevision: Int?, expectedValues: [String: String], observation: ClusterObservation, release: String
    ) -> [DriftDifference] {
        var found: [DriftDifference] = []
        guard let revision = observation.revision else {
            found.append(DriftDifference(kind: .release, name: release, expected: "installed", actual: nil))
            return found + missingObjects(observation)
        }
        if let expectedRevision, expectedRevision != revision {
            found.append(
                DriftDifference(kind: .revision, name: "revision", expected: String(expectedRevision), actual: String(revision)))
        }
        for path in Set(expectedValues.keys).union(observation.values.keys).sorted()
        where expectedValues[path] != observation.values[path] {
            found.append(DriftDifference(kind: .value, name: path, expected: expectedValues[path], actual: observation.values[path]))
        }
        return found + missingObjects(observation)
    }

    private static func missingObjects(_ observation: ClusterObservation) -> [DriftDifference] {
        observation.objects.filter { !$0.present }.sorted { ($0.kind, $0.name) < ($1.kind, $1.name) }.map {
            DriftDifference(kind: .object, name: "\($0.kind)/\($0.name)", expected: "present", actual: nil)
        }
    }
}
