/// Turns parsed manifest documents into the resolved objects of each environment, collecting every error:
/// envelope and shape, duplicate names, environment scoping, overrides, cross-field rules and references.
public enum ManifestCompiler {
    public struct Result: Sendable {
        /// Every problem, sorted by position, without repeats (an error seen in several environments is
        /// reported once).
        public var diagnostics: [Diagnostic]
        /// The resolved objects of each environment that was compiled, by environment name.
        public var environments: [String: ResolvedManifests]
        public var objects: [ManifestObject]

        public var isValid: Bool { !diagnostics.hasErrors }
    }

    /// - Parameter environment: compile only this environment; nil compiles every declared one.
    public static func compile(_ documents: [Node], environment: String? = nil) -> Result {
        var diagnostics: [Diagnostic] = []
        var objects: [ManifestObject] = []
        var firstByID: [ObjectID: ManifestObject] = [:]
        for document in documents {
            if case .null = document.value { continue }
            guard let object = ManifestObject.parse(document, into: &diagnostics) else { continue }
            if let first = firstByID[object.id] {
                diagnostics.append(
                    Diagnostic(
                        at: object.nameRange, "duplicate \(object.id); first defined at \(first.nameRange.start)"))
                continue
            }
            firstByID[object.id] = object
            objects.append(object)
        }

        let environmentObjects = objects.filter { $0.kind == .environment }
        let environmentNames = environmentObjects.map(\.name)
        for object in objects {
            for (index, name) in (object.environments ?? []).enumerated() where !environmentNames.contains(name) {
                let node = object.metadata["environments"]?.elements?[index]
                diagnostics.append(
                    Diagnostic(
                        at: node?.range ?? object.nameRange,
                        "metadata.environments names unknown environment '\(name)'"
                            + Suggestion.didYouMean(name, in: environmentNames)))
            }
        }

        var targets = environmentObjects
        if let environment {
            targets = environmentObjects.filter { $0.name == environment }
            if targets.isEmpty {
                let known =
                    environmentNames.isEmpty
                    ? "none is declared" : "declared: \(environmentNames.joined(separator: ", "))"
                diagnostics.append(
                    Diagnostic(
                        at: nil as SourceRange?,
                        "no Environment named '\(environment)'"
                            + Suggestion.didYouMean(environment, in: environmentNames) + " (\(known))"))
            }
        } else if environmentObjects.isEmpty && !objects.isEmpty {
            diagnostics.append(
                Diagnostic(.warning, at: nil as SourceRange?, "no Environment is declared; nothing can be applied"))
        }

        var resolved: [String: ResolvedManifests] = [:]
        for target in targets {
            resolved[target.name] = resolve(target, objects: objects, into: &diagnostics)
        }
        var seen = Set<Diagnostic>()
        let unique = diagnostics.filter { seen.insert($0).inserted }
        return Result(diagnostics: unique.sortedByLocation(), environments: resolved, objects: objects)
    }

    private static func resolve(
        _ environment: ManifestObject, objects: [ManifestObject], into diagnostics: inout [Diagnostic]
    ) -> ResolvedManifests {
        let name = environment.name
        let inScope = objects.filter { object in
            object.kind != .environment && (object.environments.map { $0.contains(name) } ?? true)
        }
        var specs: [ObjectID: (object: ManifestObject, spec: Node, valid: Bool)] = [:]
        for object in inScope { specs[object.id] = (object, object.spec, object.specIsValid) }

        // Overrides: merge patches on the targets' specs, re-checked because a patch can break a spec.
        for override in environment.spec["overrides"]?.elements ?? [] {
            guard let kindText = override["kind"]?.string, let kind = ManifestKind(rawValue: kindText),
                let targetName = override["name"]?.string, let patch = override["patch"]
            else { continue }
            let nameRange = override["name"]?.range ?? override.range
            let id = ObjectID(kind: kind, name: targetName)
            if kind == .environment {
                diagnostics.append(
                    Diagnostic(at: override["kind"]?.range, "an override cannot target an Environment"))
                continue
            }
            guard let current = specs[id] else {
                if objects.contains(where: { $0.id == id }) {
                    diagnostics.append(
                        Diagnostic(
                            at: nameRange,
                            "override targets \(id), which is not part of environment '\(name)' (see its"
                                + " metadata.environments)"))
                } else {
                    let candidates = objects.filter { $0.kind == kind }.map(\.name)
                    diagnostics.append(
                        Diagnostic(
                            at: nameRange,
                            "override targets \(id), which does not exist"
                                + Suggestion.didYouMean(targetName, in: candidates)))
                }
                continue
            }
            let patched = MergePatch.apply(patch, to: current.spec)
            let problems = ShapeChecker.check(
                patched, against: .object(ManifestShapes.spec(of: kind)), path: "spec",
                owner: current.object.specKeyRange)
            diagnostics += problems.map { problem in
                var problem = problem
                problem.message += " (after environment '\(name)' overrides)"
                return problem
            }
            specs[id] = (current.object, patched, current.valid && problems.isEmpty)
        }

        var datasets: [String: Dataset] = [:]
        var engines: [String: Engine] = [:]
        var policies: [String: RetryPolicy] = [:]
        var pipelines: [String: Pipeline] = [:]
        for (id, entry) in specs where entry.valid {
            switch id.kind {
            case .dataset:
                datasets[id.name] = Dataset.decode(
                    name: id.name, spec: entry.spec, file: entry.object.file, into: &diagnostics)
            case .engine: engines[id.name] = Engine.decode(name: id.name, spec: entry.spec, into: &diagnostics)
            case .retryPolicy:
                policies[id.name] = RetryPolicy.decode(name: id.name, spec: entry.spec, into: &diagnostics)
            case .pipeline: pipelines[id.name] = Pipeline.decode(name: id.name, spec: entry.spec, into: &diagnostics)
            case .environment: break
            }
        }

        checkReferences(
            pipelines: specs.filter { $0.key.kind == .pipeline }.map(\.value), in: name, specs: specs,
            objects: objects, datasets: datasets, into: &diagnostics)

        var config = EnvironmentConfig.implicit(name)
        if environment.specIsValid {
            config = EnvironmentConfig.decode(name: name, spec: environment.spec, into: &diagnostics)
            if let promotion = config.promotion, let fromNode = environment.spec["promotion"]?["from"] {
                let others = objects.filter { $0.kind == .environment && $0.name != name }.map(\.name)
                if promotion.from == name {
                    diagnostics.append(
                        Diagnostic(at: fromNode.range, "environment '\(name)' cannot be promoted from itself"))
                } else if !others.contains(promotion.from) {
                    diagnostics.append(
                        Diagnostic(
                            at: fromNode.range,
                            "spec.promotion.from references Environment '\(promotion.from)', which does not exist"
                                + Suggestion.didYouMean(promotion.from, in: others)))
                }
                let allowances = environment.spec["promotion"]?["allowDifferences"]?.elements ?? []
                for item in allowances {
                    guard let field = item.string, !ProcessingSpec.fieldPaths.contains(field) else { continue }
                    diagnostics.append(
                        Diagnostic(
                            at: item.range,
                            "spec.promotion.allowDifferences: '\(field)' is not a processing-spec field (one of "
                                + ProcessingSpec.fieldPaths.joined(separator: ", ") + ")"
                                + Suggestion.didYouMean(field, in: ProcessingSpec.fieldPaths)))
                }
            }
        }
        checkBudgets(
            pipelines: pipelines, engines: engines, environment: config, specs: specs,
            environmentSpec: environment.spec, into: &diagnostics)
        var effective: [ObjectID: JSONValue] = [:]
        for (id, entry) in specs { effective[id] = entry.spec.json }
        effective[environment.id] = environment.spec.json
        return ResolvedManifests(
            environment: config, datasets: datasets, engines: engines, retryPolicies: policies,
            pipelines: pipelines, effectiveSpecs: effective)
    }

    /// A budget is spent in its engines' currency: one in another currency, or over an engine without pricing,
    /// could never be compared with what is spent.
    private static func checkBudgets(
        pipelines: [String: Pipeline], engines: [String: Engine], environment: EnvironmentConfig,
        specs: [ObjectID: (object: ManifestObject, spec: Node, valid: Bool)], environmentSpec: Node,
        into diagnostics: inout [Diagnostic]
    ) {
        func check(_ budget: Budget, engine: Engine, at node: Node?, owner: String) {
            guard let pricing = engine.pricing else {
                diagnostics.append(
                    Diagnostic(
                        at: node?.range,
                        "spec.budget of \(owner) needs a price: Engine '\(engine.name)' declares no spec.pricing"))
                return
            }
            if pricing.currency != budget.currency {
                diagnostics.append(
                    Diagnostic(
                        at: node?.range,
                        "spec.budget of \(owner) is in \(budget.currency), but Engine '\(engine.name)' is priced in"
                            + " \(pricing.currency)"))
            }
        }
        for pipeline in pipelines.values.sorted(by: { $0.name < $1.name }) {
            guard let engine = engines[pipeline.engine] else { continue }
            if let budget = pipeline.budget {
                let node = specs[ObjectID(kind: .pipeline, name: pipeline.name)]?.spec["budget"]
                check(budget, engine: engine, at: node, owner: "Pipeline '\(pipeline.name)'")
            }
            if let budget = environment.budget {
                check(
                    budget, engine: engine, at: environmentSpec["budget"],
                    owner: "Environment '\(environment.name)' (Pipeline '\(pipeline.name)')")
            }
        }
    }

    private static func checkReferences(
        pipelines: [(object: ManifestObject, spec: Node, valid: Bool)], in environment: String,
        specs: [ObjectID: (object: ManifestObject, spec: Node, valid: Bool)], objects: [ManifestObject],
        datasets: [String: Dataset], into diagnostics: inout [Diagnostic]
    ) {
        let references: [(key: String, kind: ManifestKind)] = [
            ("dataset", .dataset), ("engine", .engine), ("retryPolicy", .retryPolicy),
        ]
        for pipeline in pipelines {
            for (key, kind) in references {
                guard let node = pipeline.spec[key], let target = node.string else { continue }
                let id = ObjectID(kind: kind, name: target)
                if specs[id] != nil { continue }
                let message: String
                if objects.contains(where: { $0.id == id }) {
                    message =
                        "\(pipeline.object.id) references \(id), which is not part of environment '\(environment)'"
                        + " (see its metadata.environments)"
                } else {
                    let candidates = objects.filter { $0.kind == kind }.map(\.name)
                    message =
                        "\(pipeline.object.id) references \(id), which does not exist"
                        + Suggestion.didYouMean(target, in: candidates)
                }
                diagnostics.append(Diagnostic(at: node.range, "spec.\(key): " + message))
            }
            guard pipeline.valid, let datasetName = pipeline.spec["dataset"]?.string,
                let dataset = datasets[datasetName]
            else { continue }
            for language in pipeline.spec["targetLanguages"]?.elements ?? []
            where language.string == dataset.sourceLanguage {
                diagnostics.append(
                    Diagnostic(
                        at: language.range,
                        "spec.targetLanguages includes '\(dataset.sourceLanguage)', the source language of Dataset"
                            + " '\(datasetName)'"))
            }
        }
    }
}
