import Foundation
import TraduCore
import TraduEngines
import TraduStore

/// Makes a rollout step's analysis: reads the sample and both results of each block, runs the `check` program
/// when there is one, and lets `RolloutAnalysis` judge.
struct RolloutAnalyst: Sendable {
    var variables: [String: String]
    /// The working directory a relative check command is resolved against.
    var projectRoot: String

    func analyse(_ rollout: RolloutRecord, store: Store) async throws -> RolloutVerdict {
        let sample = try await store.rolloutSample(rollout).map(Self.block)
        var check: CheckVerdict?
        if let command = rollout.spec.analysis.check {
            check = await runCheck(command, timeout: rollout.spec.analysis.checkTimeout.duration, sample: sample)
        }
        return RolloutAnalysis.evaluate(rollout.spec.analysis, sample: sample, check: check)
    }

    /// Feeds the program one JSON line per record of every completed block with both results:
    /// `{"block", "id", "source", "current", "new"}`; its last non-empty line of output must be
    /// `{"pass": true|false, "message": "..."}`. Anything else, a non-zero exit or a timeout fails the check.
    func runCheck(_ command: [String], timeout: Duration, sample: [RolloutSampleBlock]) async -> CheckVerdict {
        var input = ""
        for block in sample where block.state == .completed {
            guard let canary = block.canary, let baseline = block.baseline else { continue }
            let current = Dictionary(
                baseline.records.map { ($0.id, $0.translation) }, uniquingKeysWith: { first, _ in first })
            for record in canary.records {
                let line: JSONValue = .object([
                    ("block", .string(block.blockID)), ("id", .string(record.id)), ("source", .string(record.source)),
                    ("current", current[record.id].map { .string($0) } ?? .null), ("new", .string(record.translation)),
                ])
                input += line.encoded() + "\n"
            }
        }
        var environment = variables
        environment["PWD"] = projectRoot
        let program = ProgramRun(command: command.map { resolve($0) }, environment: environment, timeout: timeout)
        let name = command.joined(separator: " ")
        switch await program.run(input: Array(input.utf8)) {
        case .failed(let reason):
            return CheckVerdict(passed: false, message: "\(name): \(reason)")
        case .exited(let status, let stdout, let stderr):
            let last = stdout.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            if let last, let object = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any],
                let pass = object["pass"] as? Bool
            {
                let message = object["message"] as? String ?? (pass ? "passed" : "rejected")
                return CheckVerdict(passed: pass && status == 0, message: message)
            }
            let tail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return CheckVerdict(
                passed: false,
                message: "\(name) exited with status \(status) without a {\"pass\": ...} verdict"
                    + (tail.isEmpty ? "" : ": \(tail.suffix(300))"))
        }
    }

    /// A relative path in the command (`checks/glossary.py`) is the project's.
    private func resolve(_ part: String) -> String {
        guard !part.hasPrefix("/"), part.contains("/") else { return part }
        return projectRoot + "/" + part
    }

    static func block(_ row: RolloutSampleRow) -> RolloutSampleBlock {
        RolloutSampleBlock(
            blockID: row.blockID, state: row.state, errorClass: row.errorClass,
            canary: row.canaryRecords.map {
                ResultVersion(
                    inputTokens: row.canaryInputTokens, outputTokens: row.canaryOutputTokens,
                    memoryHits: row.canaryMemoryHits, records: records($0))
            },
            baseline: row.baselineRecords.map {
                ResultVersion(
                    inputTokens: row.baselineInputTokens, outputTokens: row.baselineOutputTokens,
                    memoryHits: row.baselineMemoryHits, records: records($0))
            })
    }

    /// A result's JSON Lines (`{"id", "source", "translation"}`), as the worker wrote them.
    static func records(_ text: String) -> [ResultVersion.Record] {
        text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let id = object["id"] as? String
            else { return nil }
            return ResultVersion.Record(
                id: id, source: object["source"] as? String ?? "", translation: object["translation"] as? String ?? "")
        }
    }
}

extension RolloutVerdict {
    /// The figures as stored with the analysis and shown by `tradu rollout status -o json`.
    var figuresJSON: JSONValue {
        .array(
            figures.map { figure in
                .object([
                    ("metric", .string(figure.metric)), ("measured", figure.measured.map { .double($0) } ?? .null),
                    ("limit", figure.limit.map { .double($0) } ?? .null), ("passed", .bool(figure.passed)),
                    ("note", .string(figure.note)),
                ])
            })
    }

    var outcomeName: String {
        switch outcome {
        case .passed: "passed"
        case .failed: "failed"
        case .inconclusive: "inconclusive"
        }
    }
}
