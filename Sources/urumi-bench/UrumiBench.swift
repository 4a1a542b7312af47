import ArgumentParser

/// Benchmarks that print figures: `urumi-bench append` measures the event log.
@main
struct UrumiBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "urumi-bench",
        abstract: "Benchmarks of Urumi's parts that print figures.",
        subcommands: [
            AppendBenchmark.self, SagaBenchmark.self, SSEBenchmark.self, ReadsBenchmark.self, RebuildBenchmark.self,
            RolloutBenchmark.self, CountsBenchmark.self,
        ]
    )
}
