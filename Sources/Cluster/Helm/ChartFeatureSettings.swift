import Foundation
import Provisioning
import Yams

extension StoreChartObjects.Features {
    /// What the platform's chart values (`--chart-values` files, later files winning key by
    /// key as with helm's `--values`) render for every store: `ingress.enabled`,
    /// `backup.enabled` with or without `backup.s3.bucket`, and `canary.enabled`. The chart's
    /// defaults (values.yaml) turn all three off.
    public static func read(_ files: [String]) throws -> StoreChartObjects.Features {
        let tls = try ChartTLSSettings.read(files)
        let backups = try ChartBackupSettings.read(files)
        var canary = false
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            guard let root = try Yams.load(yaml: text) as? [String: Any], let section = root["canary"] as? [String: Any],
                let enabled = section["enabled"] as? Bool
            else { continue }
            canary = enabled
        }
        return StoreChartObjects.Features(
            ingress: tls.ingressEnabled, backups: backups.enabled, backupsOnVolume: backups.enabled && backups.bucket.isEmpty,
            canary: canary)
    }
}
