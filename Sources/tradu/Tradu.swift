import ArgumentParser
import TraduApp

/// The `tradu` command line: a thin shell over TraduApp. Commands parse options, call a use case and
/// print; they hold no logic of their own.
@main
struct Tradu: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradu",
        abstract: "Declarative workflow runner for large-scale AI document processing.",
        discussion: """
            Manifests (YAML, under -f DIR, default ./manifests) describe datasets, engines, retry policies,
            pipelines and environments. Without --database-url or TRADU_DATABASE_URL, tradu starts and reuses
            its own PostgreSQL under --home (TRADU_HOME, default ./.tradu).

            Exit codes: 0 success or no changes; 1 error; 2 changes present (--detailed-exitcode);
            3 rejected (stale plan, lock held); 4 a run ended with failed blocks.
            """,
        version: TraduVersion.current,
        subcommands: [
            ValidateCommand.self, PlanCommand.self, DiffCommand.self, ApplyCommand.self, UpCommand.self,
            RunCommand.self, ControllerCommand.self, WorkerCommand.self, BlocksCommand.self, RetryCommand.self,
            CancelCommand.self, PauseCommand.self, ResumeCommand.self, ExportCommand.self, StatusCommand.self,
            TraceCommand.self, InstancesCommand.self, ServeCommand.self,
            HistoryCommand.self, PromoteCommand.self, ApproveCommand.self, RejectCommand.self, UnrejectCommand.self,
            PromotionsCommand.self, RolloutCommand.self, PruneCommand.self, EraseCommand.self, SchemaCommand.self,
            DatabaseCommand.self,
        ]
    )
}
