import Foundation
import Hummingbird
import Logging

/// The dashboard's static files (HTML, CSS, JavaScript modules; no build step).
///
/// They ship as the HTTPAPI module's resources; `URUMI_DASHBOARD_DIR` points elsewhere (a
/// container image, or a checkout while editing them).
enum Dashboard {
    static func directory() -> String? {
        if let path = ProcessInfo.processInfo.environment["URUMI_DASHBOARD_DIR"], !path.isEmpty { return path }
        return Bundle.module.resourceURL?.appendingPathComponent("Dashboard").path
    }

    static func middleware<Context: RequestContext>(logger: Logger) -> FileMiddleware<Context, LocalFileSystem>? {
        guard let directory = directory(), FileManager.default.fileExists(atPath: directory + "/index.html") else {
            logger.warning("dashboard files not found; / will answer 404")
            return nil
        }
        let files = FileMiddleware<Context, LocalFileSystem>(
            directory, cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true,
            logger: logger)
        // Hummingbird knows no YAML type, and a file without a Content-Type gets sniffed.
        let yaml = MediaType(type: .application, subType: "yaml")
        return files.withAdditionalMediaType(yaml, mappedToFileExtension: "yaml")
    }
}
