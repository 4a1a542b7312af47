import TestSupport
import Cluster
import Foundation
import Testing

/// Checks a request body with `kubernetes-validate --strict -k 1.31` (PyPI; the virtualenv
/// `.venv` that `scripts/check-manifests` prepares; `scripts/test` runs it first). A missing
/// validator is a failure, never a silent pass.
enum KubernetesSchemaValidator {
    static var executable: String? {
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { directory.deleteLastPathComponent() }
        let path = directory.appendingPathComponent(".venv/bin/kubernetes-validate").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    static func validate(_ object: JSONValue, kind: String) async throws {
        guard let executable else {
            Issue.record("kubernetes-validate is missing (.venv): run scripts/check-manifests --venv-only (scripts/test does)")
            return
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-\(kind)-\(UUID()).json")
        try object.encoded().write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let path = file.path
        let (status, text) = try await offPool { () throws -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["--strict", "-k", "1.31", path]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
        #expect(status == 0, "kubernetes-validate: \(text)")
        #expect(!text.lowercased().contains("warn"), "kubernetes-validate: \(text)")
    }
}
