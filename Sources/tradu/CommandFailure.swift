import ArgumentParser
import TraduApp
import TraduCore

/// Runs `body`, printing a failure the way people need it and mapping it to DESIGN's exit codes:
/// 1 error (with every diagnostic), 3 rejected (stale plan, lock held, mass cancel).
func reporting<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as TraduError {
        switch error {
        case .invalidManifests(let diagnostics), .invalidData(let diagnostics):
            for diagnostic in diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(1)
        case .rejected(let message):
            Console.error("rejected: \(message)")
            throw ExitCode(3)
        case .configuration(let message), .notFound(let message):
            Console.error("error: \(message)")
            throw ExitCode(1)
        }
    } catch {
        Console.error("error: \(error)")
        throw ExitCode(1)
    }
}
