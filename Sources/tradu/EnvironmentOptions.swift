import ArgumentParser

/// `-e ENV`, required by commands that act on one environment.
struct EnvironmentOption: ParsableArguments {
    @Option(name: [.customShort("e"), .customLong("env")], help: "The environment (dev, staging, prod, ...).")
    var environment: String
}

/// `--detailed-exitcode`: 0 no changes, 1 error, 2 changes present.
struct DetailedExitCode: ParsableArguments {
    @Flag(help: "Exit 2 when there are changes, 0 when there are none (1 stays an error).")
    var detailedExitcode = false

    func exit(hasChanges: Bool) throws {
        if detailedExitcode && hasChanges { throw ExitCode(2) }
    }
}
