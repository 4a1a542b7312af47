import Foundation

/// Finds the store chart like `schema/` is found: `--chart-dir`, `<bin>/../share/urumi/helm/store`
/// (the container layout), `<bin>/helm/store`, the source checkout the binary was built in, and
/// the working directory. A directory counts when it holds `Chart.yaml`.
public enum ChartLocator {
    public static func locate(explicit: String? = nil, executable: String = CommandLine.arguments.first ?? ".") throws -> String {
        if let explicit {
            let path = URL(fileURLWithPath: explicit).standardized.path
            guard FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("Chart.yaml")) else {
                throw KubeConfigError("--chart-dir \(explicit) holds no Chart.yaml")
            }
            return path
        }
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(directory.appendingPathComponent("../share/urumi/helm/store").standardized)
        candidates.append(directory.appendingPathComponent("helm/store"))
        for _ in 0..<6 {
            directory = directory.deletingLastPathComponent()
            candidates.append(directory.appendingPathComponent("helm/store"))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("helm/store"))
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("Chart.yaml").path) {
            return candidate.standardized.path
        }
        throw KubeConfigError(
            "the store chart (helm/store) was not found; pass --chart-dir (looked in \(candidates.map(\.path).joined(separator: ", ")))")
    }
}
