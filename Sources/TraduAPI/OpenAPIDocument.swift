/// The API's OpenAPI 3.1 document, served at `/api/v1/openapi.yaml`. The same text is committed at
/// `api/openapi.yaml`; a test fails when the two differ, or when the document and the routes disagree.
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: tradu orchestrator API
          version: "1"
          description: >-
            Read the state of tradu environments (pipelines, blocks in keyset pages, one block's path, a document's blocks, instances,
            revisions with their diff, promotions, rollouts) and act on them (retry, cancel, pause, resume, approve,
            reject, promote, rollout decisions). Every request but /healthz and this document needs `Authorization: Bearer <token>` unless the
            server runs with --public-read (reads only). Errors are RFC 9457 problem+json; every response carries
            X-Request-ID. Paths are relative to the server's --base-path.
        servers:
          - url: /
        security:
          - bearer: []
        paths:
          /healthz:
            get:
              operationId: health
              security: []
              responses:
                "200":
                  description: The server answers.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [status]
                        properties:
                          status: {type: string, const: ok}
          /api/v1/openapi.yaml:
            get:
              operationId: openapi
              security: []
              responses:
                "200":
                  description: This document.
                  content:
                    application/yaml:
                      schema: {description: The OpenAPI document, as YAML.}
          /api/v1/environments:
            get:
              operationId: listEnvironments
              responses:
                "200":
                  description: The environments this server serves.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Environment"}
                "401": {$ref: "#/components/responses/Problem"}
          /api/v1/events:
            get:
              operationId: followEvents
              description: >-
                Server-Sent Events: `transition` (a block changed state; the SSE id is the event's), `status` (a pipeline's
                counts or conditions changed), `reset` (the ids after Last-Event-ID are no longer kept: re-read, then follow)
                and a comment every 15 s. One reader per server follows the database for every client. A client too slow to
                keep up is disconnected, never skipped: it reconnects with Last-Event-ID and is replayed what it missed.
              parameters:
                - {name: env, in: query, required: true, schema: {$ref: "#/components/schemas/Text"}}
                - {name: pipeline, in: query, schema: {$ref: "#/components/schemas/Text"}}
                - {name: Last-Event-ID, in: header, schema: {type: string, pattern: '^[0-9]+$'}}
              responses:
                "200":
                  description: The stream, until the client or the server goes.
                  content:
                    text/event-stream:
                      schema: {type: string}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/pipelines:
            get:
              operationId: listPipelines
              parameters:
                - $ref: "#/components/parameters/env"
              responses:
                "200":
                  description: Pipelines with counts by state, conditions and spend.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Pipeline"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/blocks:
            get:
              operationId: listBlocks
              description: >-
                Blocks in id order, a page at a time: pass the previous page's `next` as `after`. Never an offset and never
                a count.
              parameters:
                - $ref: "#/components/parameters/env"
                - {name: state, in: query, schema: {$ref: "#/components/schemas/BlockState"}}
                - {name: pipeline, in: query, schema: {$ref: "#/components/schemas/Text"}}
                - {name: language, in: query, schema: {$ref: "#/components/schemas/Text"}}
                - {name: errorClass, in: query, schema: {$ref: "#/components/schemas/ErrorClass"}}
                - {name: dataset, in: query, schema: {$ref: "#/components/schemas/Text"}}
                - {name: after, in: query, schema: {$ref: "#/components/schemas/Text"}}
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: One page of blocks.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Block"}
                          next: {type: string, description: The `after` of the next page; absent on the last.}
                  links:
                    firstBlock:
                      operationId: getBlock
                      parameters:
                        env: $request.path.env
                        id: $response.body#/items/0/id
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/blocks/{id}:
            get:
              operationId: getBlock
              description: One block, a page of its events (pass `nextEvent` as `eventsAfter`), and its result versions.
              parameters:
                - $ref: "#/components/parameters/env"
                - {name: id, in: path, required: true, schema: {$ref: "#/components/schemas/Text"}}
                - {name: eventsAfter, in: query, schema: {type: integer, minimum: 0, maximum: 9223372036854775807}}
                - {name: eventLimit, in: query, schema: {type: integer, minimum: 1, maximum: 500}}
              responses:
                "200":
                  description: The block.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/BlockDetail"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/documents:
            get:
              operationId: lookupDocument
              description: >-
                Where a document is, by its id (the id is a query parameter because file ids hold slashes). Every block
                content holding a document with this id, its text there, and the blocks on that content with the
                document's translation from each block's current result. Read from the document index, a few indexed
                reads whatever the size of the environment.
              parameters:
                - $ref: "#/components/parameters/env"
                - {name: id, in: query, required: true, schema: {$ref: "#/components/schemas/Text"}}
                - {name: dataset, in: query, schema: {$ref: "#/components/schemas/Text"}}
              responses:
                "200":
                  description: The document's places.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/DocumentLookup"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/instances:
            get:
              operationId: listInstances
              parameters:
                - $ref: "#/components/parameters/env"
              responses:
                "200":
                  description: Live and dead processes, with their heartbeats and the blocks they hold.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Instance"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/revisions:
            get:
              operationId: listRevisions
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: Applied revisions, newest first.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Revision"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/actions:
            get:
              operationId: listActions
              description: The audit of operator actions (retry, cancel, pause, resume), from the command line and the API.
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: The most recent actions, newest first.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Action"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/blocks/retry:
            post:
              operationId: retryBlocks
              description: Sends failed (or cancelled) blocks back to the queue with a fresh retry budget. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
              requestBody: {$ref: "#/components/requestBodies/BlockAction"}
              responses:
                "200": {$ref: "#/components/responses/Count"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/blocks/cancel:
            post:
              operationId: cancelBlocks
              description: Cancels blocks; a worker holding one stops at its next heartbeat. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
              requestBody: {$ref: "#/components/requestBodies/BlockAction"}
              responses:
                "200": {$ref: "#/components/responses/Count"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/pipelines/{pipeline}/pause:
            post:
              operationId: pausePipeline
              description: Stops starting new blocks of the pipeline; nothing is cancelled. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/pipeline"
              requestBody: {$ref: "#/components/requestBodies/Reason"}
              responses:
                "200": {$ref: "#/components/responses/Changed"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/pipelines/{pipeline}/resume:
            post:
              operationId: resumePipeline
              description: Lifts a pause. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/pipeline"
              requestBody: {$ref: "#/components/requestBodies/Reason"}
              responses:
                "200": {$ref: "#/components/responses/Changed"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/revisions/{number}:
            get:
              operationId: getRevision
              description: >-
                One applied revision: its plan (digest and summary, as applied) and the diff of its manifests against the
                revision before it. Plans saved with `tradu plan --out` and never applied live with CI, not here.
              parameters:
                - $ref: "#/components/parameters/env"
                - {name: number, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 9223372036854775807}}
              responses:
                "200":
                  description: The revision with its diff.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/RevisionDetail"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/promotions:
            get:
              operationId: listPromotions
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: Promotions into the environment, newest first, with their gates and reasons.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Promotion"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/rollouts:
            get:
              operationId: listRollouts
              parameters:
                - $ref: "#/components/parameters/env"
              responses:
                "200":
                  description: The latest rollout of each pipeline, with its analyses, events and sample progress.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Rollout"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/promote:
            post:
              operationId: promote
              description: >-
                Promotes a freight into the environment from its `promotion.from` (the source's latest, a `sourceRevision`
                or a `freight`), or rolls back to a freight it ran before (`rollback`, with `freight`). Every check and gate
                is made first; a refusal answers 409 with the same body and writes only its promotion record. `dryRun`
                checks only. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      required: [reason]
                      properties:
                        reason: {$ref: "#/components/schemas/Reason"}
                        freight: {$ref: "#/components/schemas/Name"}
                        sourceRevision: {type: integer, minimum: 1, maximum: 9223372036854775807}
                        rollback: {type: boolean}
                        dryRun: {type: boolean}
                      if: {required: [rollback], properties: {rollback: {const: true}}}
                      then: {required: [freight]}
              responses:
                "200":
                  description: Promoted (or, with dryRun, every check passed).
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/PromotionOutcome"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
                "409":
                  description: Refused by a check or a gate (the reasons say which), or the environment's lock is held.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/PromotionOutcome"}
                    application/problem+json:
                      schema: {$ref: "#/components/schemas/Problem"}
                "422": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/approve:
            post:
              operationId: approve
              description: Approves a freight (or the source's revision that ran one) for promotions into the environment. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      required: [reason]
                      properties:
                        reason: {$ref: "#/components/schemas/Reason"}
                        freight: {$ref: "#/components/schemas/Name"}
                        sourceRevision: {type: integer, minimum: 1, maximum: 9223372036854775807}
                      oneOf:
                        - {required: [freight], not: {required: [sourceRevision]}}
                        - {required: [sourceRevision], not: {required: [freight]}}
              responses:
                "200": {$ref: "#/components/responses/Freight"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
                "409": {$ref: "#/components/responses/Problem"}
                "422": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/reject:
            post:
              operationId: reject
              description: Rejects a freight in the environment; no promotion into it accepts the freight. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
              requestBody: {$ref: "#/components/requestBodies/FreightAction"}
              responses:
                "200": {$ref: "#/components/responses/Freight"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
                "422": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/unreject:
            post:
              operationId: unreject
              description: Withdraws a rejection. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
              requestBody: {$ref: "#/components/requestBodies/FreightAction"}
              responses:
                "200": {$ref: "#/components/responses/Freight"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
                "422": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/pipelines/{pipeline}/rollout/promote:
            post:
              operationId: rolloutPromote
              description: Skips the remaining analyses; every block is reprocessed under the new spec and the rollout completes. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/pipeline"
              requestBody: {$ref: "#/components/requestBodies/Reason"}
              responses:
                "200": {$ref: "#/components/responses/RolloutDecision"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
                "409": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/pipelines/{pipeline}/rollout/abort:
            post:
              operationId: rolloutAbort
              description: Goes back to the previous spec, recorded as a revision; the new results are kept. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/pipeline"
              requestBody: {$ref: "#/components/requestBodies/Reason"}
              responses:
                "200": {$ref: "#/components/responses/RolloutDecision"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
                "409": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/pipelines/{pipeline}/rollout/retry:
            post:
              operationId: rolloutRetry
              description: A fresh analysis on the same sample from the first step; a rolled-back rollout runs its spec again. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/pipeline"
              requestBody: {$ref: "#/components/requestBodies/Reason"}
              responses:
                "200": {$ref: "#/components/responses/RolloutDecision"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
                "409": {$ref: "#/components/responses/Problem"}
        components:
          securitySchemes:
            bearer: {type: http, scheme: bearer}
          parameters:
            env: {name: env, in: path, required: true, schema: {$ref: "#/components/schemas/Text"}}
            limit: {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
            pipeline: {name: pipeline, in: path, required: true, schema: {$ref: "#/components/schemas/Text"}}
          requestBodies:
            Reason:
              required: true
              content:
                application/json:
                  schema:
                    type: object
                    additionalProperties: false
                    required: [reason]
                    properties:
                      reason: {$ref: "#/components/schemas/Reason"}
            BlockAction:
              required: true
              description: Why, and which blocks (either ids, or a pipeline and an optional state).
              content:
                application/json:
                  schema:
                    type: object
                    additionalProperties: false
                    required: [reason]
                    properties:
                      reason: {$ref: "#/components/schemas/Reason"}
                      ids:
                        type: array
                        minItems: 1
                        maxItems: 10000
                        items: {type: string, minLength: 1, pattern: '^[^\x00]*$'}
                      pipeline: {type: string, minLength: 1, pattern: '^[^\x00]*$'}
                      state: {$ref: "#/components/schemas/BlockState"}
                    oneOf:
                      - {required: [ids], not: {required: [pipeline]}}
                      - {required: [pipeline], not: {required: [ids]}}
            FreightAction:
              required: true
              content:
                application/json:
                  schema:
                    type: object
                    additionalProperties: false
                    required: [reason, freight]
                    properties:
                      reason: {$ref: "#/components/schemas/Reason"}
                      freight: {$ref: "#/components/schemas/Name"}
          responses:
            Count:
              description: How many blocks the action changed.
              content:
                application/json:
                  schema:
                    type: object
                    required: [count]
                    properties:
                      count: {type: integer, minimum: 0}
            Changed:
              description: Whether the pipeline changed (false when it already was in that state; nothing is recorded then).
              content:
                application/json:
                  schema:
                    type: object
                    required: [changed]
                    properties:
                      changed: {type: boolean}
            Problem:
              description: An RFC 9457 problem.
              content:
                application/problem+json:
                  schema: {$ref: "#/components/schemas/Problem"}
            Freight:
              description: The freight the decision was recorded for.
              content:
                application/json:
                  schema:
                    type: object
                    required: [freight]
                    properties:
                      freight: {type: string}
                      rejected: {type: boolean}
            RolloutDecision:
              description: The rollout's phase after the decision, and the revision it recorded (a rollback, a reinstatement).
              content:
                application/json:
                  schema:
                    type: object
                    required: [phase]
                    properties:
                      phase: {type: string, enum: [progressing, analyzing, paused, completed, rolled_back, superseded]}
                      revision: {type: integer}
          schemas:
            Text:
              description: Any text without a NUL character (PostgreSQL text cannot hold one; a NUL is a 400).
              type: string
              pattern: '^[^\x00]*$'
            Reason:
              description: Why; recorded in the audit with who did it.
              type: string
              minLength: 1
              pattern: '^[^\x00]*\S[^\x00]*$'
            Action:
              type: object
              required: [id, action, actor, reason, via, at]
              properties:
                id: {type: integer}
                action: {type: string}
                pipeline: {type: string}
                actor: {type: string}
                reason: {type: string}
                via: {type: string, enum: [cli, api, console]}
                detail: {type: string}
                at: {type: string}
            Problem:
              type: object
              required: [type, title, status, detail, instance, requestId]
              properties:
                type: {type: string}
                title: {type: string}
                status: {type: integer}
                detail: {type: string}
                instance: {type: string}
                requestId: {type: string}
            BlockState:
              type: string
              enum: [created, claimed, enqueued, in_process, completed, failed, cancelled]
            ErrorClass:
              type: string
              enum: [capacity, dependency, data, infrastructure, logic]
            Environment:
              type: object
              required: [name, pipelines, conditions]
              properties:
                name: {type: string}
                pipelines: {type: array, items: {type: string}}
                conditions: {type: array, items: {type: object}}
            Pipeline:
              type: object
              description: >-
                Counts and conditions are the leading controller's, as of countsUpdatedAt (absent before its first cycle):
                never counted per request.
              required: [name, dataset, generation, counts, conditions, inProviderBatches]
              properties:
                name: {type: string}
                dataset: {type: string}
                generation: {type: integer}
                counts: {type: object, additionalProperties: {type: integer}}
                conditions: {type: array, items: {type: object}}
                observedGeneration: {type: integer}
                countsUpdatedAt: {type: string}
                inProviderBatches: {type: integer}
                spend: {type: object}
                paused: {type: object}
            Block:
              type: object
              required: [id, pipeline, targetLanguage, state, attempt, attemptsUsed, updatedAt]
              properties:
                id: {type: string}
                pipeline: {type: string}
                targetLanguage: {type: string}
                state: {$ref: "#/components/schemas/BlockState"}
                attempt: {type: integer}
                attemptsUsed: {type: integer}
                updatedAt: {type: string}
                errorClass: {type: string}
                lastError: {type: string}
            DocumentLookup:
              type: object
              required: [id, documents]
              properties:
                id: {type: string}
                documents:
                  type: array
                  items:
                    type: object
                    required: [dataset, content, text, blocks]
                    properties:
                      dataset: {type: string}
                      content: {type: string, description: The block content hash holding the document.}
                      text: {type: string}
                      blocks:
                        type: array
                        items:
                          allOf:
                            - {$ref: "#/components/schemas/Block"}
                            - type: object
                              properties:
                                translation: {description: The document's translation in the block's current result.}
                                resultAttempt: {type: integer}
            Event:
              type: object
              required: [sequence, to, attempt, at]
              properties:
                sequence: {type: integer}
                from: {$ref: "#/components/schemas/BlockState"}
                to: {$ref: "#/components/schemas/BlockState"}
                attempt: {type: integer}
                at: {type: string}
                instanceId: {type: string}
                reason: {type: string}
                errorClass: {type: string}
                error: {type: string}
            Result:
              type: object
              required: [specHash, current, attempt, inputTokens, outputTokens, completedAt, records]
              properties:
                specHash: {type: string}
                current: {type: boolean}
                attempt: {type: integer}
                inputTokens: {type: integer}
                outputTokens: {type: integer}
                completedAt: {type: string}
                records: {type: array, items: {type: object}}
            BlockDetail:
              type: object
              required: [block, events, results]
              properties:
                block: {$ref: "#/components/schemas/Block"}
                events: {type: array, items: {$ref: "#/components/schemas/Event"}}
                nextEvent: {type: integer}
                results: {type: array, items: {$ref: "#/components/schemas/Result"}}
            Instance:
              type: object
              required: [id, role, host, pid, version, state, startedAt, heartbeatAt, silentForSeconds, blocksHeld]
              properties:
                id: {type: string}
                role: {type: string}
                host: {type: string}
                pid: {type: integer}
                version: {type: string}
                state: {type: string}
                startedAt: {type: string}
                heartbeatAt: {type: string}
                silentForSeconds: {type: number}
                blocksHeld: {type: integer}
            Revision:
              type: object
              required: [number, appliedBy, appliedAt, manifestDigest]
              properties:
                number: {type: integer}
                serial: {type: integer}
                appliedBy: {type: string}
                appliedAt: {type: string}
                manifestDigest: {type: string}
                gitCommit: {type: string}
                message: {type: string}
                freight: {type: string}
                summary: {type: object}
            Name:
              description: A name or id without a NUL character, 1 to 500 characters.
              type: string
              minLength: 1
              maxLength: 500
              pattern: '^[^\x00]*$'
            RevisionDetail:
              allOf:
                - {$ref: "#/components/schemas/Revision"}
                - type: object
                  required: [diff]
                  properties:
                    planDigest: {type: string}
                    diff:
                      type: object
                      description: The manifests' changes against the revision before (revision null for the first).
                      required: [revision, hasChanges, objects]
                      properties:
                        revision: {type: [integer, "null"]}
                        hasChanges: {type: boolean}
                        objects:
                          type: array
                          items:
                            type: object
                            required: [object, action, fields]
                            properties:
                              object: {type: string}
                              action: {type: string, enum: [added, changed, removed]}
                              fields: {type: array, items: {type: object}}
            Promotion:
              type: object
              required: [id, freight, phase, rollback, automatic, requestedBy, gates, reasons, createdAt]
              properties:
                id: {type: integer}
                freight: {type: string}
                phase: {type: string}
                sourceEnvironment: {type: [string, "null"]}
                sourceRevision: {type: [integer, "null"]}
                rollback: {type: boolean}
                automatic: {type: boolean}
                requestedBy: {type: string}
                message: {type: [string, "null"]}
                gates: {type: array, items: {type: object}}
                allowances: {type: array, items: {type: object}}
                reasons: {type: array, items: {type: string}}
                targetRevision: {type: [integer, "null"]}
                createdAt: {type: string}
                finishedAt: {type: [string, "null"]}
            PromotionOutcome:
              type: object
              required: [outcome, target, freight, rollback, gates]
              properties:
                outcome: {type: string, enum: [promoted, refused, dry-run]}
                target: {type: string}
                source: {type: [string, "null"]}
                sourceRevision: {type: [integer, "null"]}
                freight: {type: string}
                rollback: {type: boolean}
                gates: {type: array, items: {type: object}}
                reasons: {type: array, items: {type: string}}
            Rollout:
              type: object
              required: [pipeline, id, revision, phase, step, steps, sample, analyses, events, createdAt]
              properties:
                pipeline: {type: string}
                id: {type: integer}
                revision: {type: integer}
                baselineRevision: {type: [integer, "null"]}
                phase: {type: string, enum: [progressing, analyzing, paused, completed, rolled_back, superseded]}
                step: {type: integer}
                steps: {type: array, items: {type: number}}
                changedFields: {type: array, items: {type: string}}
                sample:
                  type: object
                  required: [total, open]
                  properties:
                    total: {type: integer}
                    open: {type: integer}
                analyses: {type: array, items: {type: object}}
                events: {type: array, items: {type: object}}
                createdAt: {type: string}
                finishedAt: {type: [string, "null"]}
        """#
}
