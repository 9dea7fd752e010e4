import ArgumentParser
import TraduApp
import TraduCore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Progress per pipeline: counts by state, throughput, ETA, conditions.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.") var output: OutputFormat = .text
    @Flag(help: "Redraw every 2 seconds until interrupted.") var watch = false
    @Flag(
        help:
            "Count every block now, even in an environment over a million blocks (where the controller's counts are shown)."
    )
    var exact = false

    func run() async throws {
        let service = try await operatorService(global, manifests, environment.environment, command: "status")
        repeat {
            let report = try await reporting { try await service.status(exact: exact) }
            switch output {
            case .json: Console.out(report.json.encoded())
            case .text:
                if watch { Console.errorInline("\u{1B}[2J\u{1B}[H") }
                Console.out(report.text)
            }
            if watch { try await Task.sleep(for: .seconds(2)) }
        } while watch
    }
}

struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace", abstract: "One block's whole path: every transition, who made it, and the time between.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Argument(help: "The block id (or an unambiguous prefix, as `tradu blocks list` shows).") var block: String
    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let service = try await operatorService(global, manifests, environment.environment, command: "trace")
        let trace = try await reporting { try await service.trace(block) }
        switch output {
        case .json: BlockPresenter.jsonLines(trace).forEach(Console.out)
        case .text: Console.out(BlockPresenter.text(trace))
        }
    }
}

struct InstancesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances", abstract: "Live and dead processes: role, host, pid, version, heartbeat, blocks held."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let service = try await operatorService(global, manifests, environment.environment, command: "instances")
        let instances = try await reporting { try await service.instances() }
        switch output {
        case .json: BlockPresenter.jsonLines(instances).forEach(Console.out)
        case .text: Console.out(BlockPresenter.text(instances))
        }
    }
}
