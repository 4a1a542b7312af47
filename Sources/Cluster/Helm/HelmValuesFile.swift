import Foundation
import SystemPackage
import Yams

/// The chart values of one helm run, written to a private temporary file (mode 0600 in a
/// 0700 directory) and removed afterwards: values never travel on a command line, where any
/// user of the machine could read them in the process list.
struct HelmValuesFile {
    let directory: String
    let path: String

    /// Writes `values` as YAML.
    static func write(_ values: some Encodable) throws -> HelmValuesFile {
        let yaml = try YAMLEncoder().encode(values)
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("urumi-helm-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw HelmValuesFileError("cannot create a temporary directory for the helm values")
        }
        let directory = String(cString: created)
        let path = (directory as NSString).appendingPathComponent("values.yaml")
        do {
            let descriptor = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .exclusiveCreate], permissions: [.ownerReadWrite])
            try descriptor.closeAfter { _ = try descriptor.writeAll(Array(yaml.utf8)) }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw HelmValuesFileError("cannot write the helm values file: \(error)")
        }
        return HelmValuesFile(directory: directory, path: path)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct HelmValuesFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
